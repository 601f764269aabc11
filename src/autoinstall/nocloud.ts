import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isMap } from 'yaml';
import { RecipeError } from '../errors.ts';
import type { Autoinstall } from './user-data.ts';
import { parseYamlDocument, positionOf } from './yaml-position.ts';

/**
 * A NoCloud seed on the medium (cloud-init's NoCloud datasource). casper mounts the medium at
 * /cdrom, so `ds=nocloud;s=/cdrom/nocloud/` makes cloud-init of the live session read
 * /cdrom/nocloud/user-data and /cdrom/nocloud/meta-data; subiquity then takes the autoinstall:
 * key of that cloud-config, and `autoinstall` on the command line starts the install without
 * asking for confirmation. GRUB needs the `;` escaped (`ds=nocloud\;s=...`); isolinux does not.
 */
export const NOCLOUD_DIR = '/nocloud';
export const NOCLOUD_USER_DATA = '/nocloud/user-data';
export const NOCLOUD_META_DATA = '/nocloud/meta-data';
/** The kernel arguments, unescaped: each menu syntax quotes them its own way. */
export const NOCLOUD_KERNEL_ARGUMENTS: readonly string[] = ['autoinstall', 'ds=nocloud;s=/cdrom/nocloud/'];

export interface NocloudSeed {
  /** The text of /nocloud/user-data: a #cloud-config with the autoinstall: key. */
  userData: string;
  /** The text of /nocloud/meta-data: NoCloud needs the file even when it is empty. */
  metaData: string;
}

/**
 * The two files of the seed. cloud-init reads user-data as cloud-config only when its first line
 * is #cloud-config, so a file written with only the autoinstall: key gets that line added.
 */
export function makeNocloudSeed(autoinstall: Autoinstall, metaDataText = ''): NocloudSeed {
  const body = autoinstall.text.endsWith('\n') ? autoinstall.text : `${autoinstall.text}\n`;
  const userData = autoinstall.form === 'cloud-config' ? body : `#cloud-config\n${body}`;
  return { userData, metaData: metaDataText };
}

/**
 * Checks a meta-data file (named FILE in messages) before any work: empty, or a YAML map such as
 * `instance-id: ...` (a new instance-id makes cloud-init run again on a machine it has seen).
 */
export function parseNocloudMetaData(text: string, file: string): string {
  const name = basename(file);
  const yaml = parseYamlDocument(text, name, { version: '1.1' });
  const contents = yaml.doc.contents;
  if (contents !== null && !isMap(contents)) {
    throw new RecipeError(
      `${name}:${positionOf(yaml, [])} meta-data: must be a map such as instance-id: my-host-1 (or empty)`,
      {
        hint: 'see cloud-init NoCloud: https://docs.cloud-init.io/en/latest/reference/datasources/nocloud.html',
      },
    );
  }
  return text;
}

/** Reads and checks iso.autoinstall.metaData before any work; its text goes on the medium as it is. */
export async function readNocloudMetaData(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new RecipeError(`cannot read the meta-data file ${file}: ${(error as Error).message}`, {
      cause: error,
      hint: 'check iso.autoinstall.metaData in the recipe (a path relative to the recipe)',
    });
  });
  return parseNocloudMetaData(text, file);
}
