import { copyFile, open } from 'node:fs/promises';
import { FormatError } from '../errors.ts';
import { IsoImage } from '../iso/image.ts';
import { parseBootRecordCatalogLba, SECTOR } from '../iso/volume.ts';

const CATALOG_ENTRY = 32;
const EFI_PLATFORM = 0xef;
// Any platform id OVMF does not boot: 0x02 is "Mac" in El Torito 1.0.
const HIDDEN_PLATFORM = 0x02;

/**
 * OVMF also boots the El Torito EFI image from a hard disk, so a passing UEFI USB boot does not
 * prove the GPT EFI partition works. This writes a copy of ISO whose El Torito EFI entries are
 * hidden (platform id changed, marked not bootable), leaving only the partition table's ESP for the firmware.
 */
export async function makeCopyWithoutElToritoEfi(iso: string, copy: string): Promise<number> {
  let catalogLba: number | null = null;
  {
    await using image = await IsoImage.open(iso);
    const record = image.descriptors.find((d) => parseBootRecordCatalogLba(d) !== null);
    catalogLba = record ? parseBootRecordCatalogLba(record) : null;
  }
  if (catalogLba === null) throw new FormatError(`${iso} has no El Torito boot catalog`);
  await copyFile(iso, copy);
  const handle = await open(copy, 'r+');
  try {
    const catalog = new Uint8Array(SECTOR);
    await handle.read(catalog, 0, SECTOR, catalogLba * SECTOR);
    let hidden = 0;
    let inEfiSection = false;
    for (let offset = CATALOG_ENTRY * 2; offset < SECTOR; offset += CATALOG_ENTRY) {
      const header = catalog[offset];
      if (header === 0x90 || header === 0x91) {
        inEfiSection = catalog[offset + 1] === EFI_PLATFORM;
        if (inEfiSection) catalog[offset + 1] = HIDDEN_PLATFORM;
      } else if (inEfiSection && header === 0x88) {
        // EDK2 ignores the platform id but skips entries not marked bootable.
        catalog[offset] = 0x00;
        hidden++;
      }
    }
    await handle.write(catalog, 0, SECTOR, catalogLba * SECTOR);
    return hidden;
  } finally {
    await handle.close();
  }
}
