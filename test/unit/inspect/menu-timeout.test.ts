import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseGrubTimeout, parseIsolinuxTimeout, parseMenu } from '../../../src/inspect/menus.ts';
import { makeGrubConfig } from '../../../src/sample/tree.ts';
import { SAMPLE_FLAVOURS } from '../../../src/sample/kernels.ts';

// live-build's own templates (apt package live-build): the menus of every Debian live ISO it makes.
const LIVE_BUILD = '/usr/share/live/build/bootloaders';

describe('boot menu timeouts', () => {
  it("live-build's isolinux and GRUB menus have none: they wait for a key", async () => {
    const isolinux = await readFile(`${LIVE_BUILD}/isolinux/isolinux.cfg`, 'utf8');
    expect(isolinux).toContain('timeout 0');
    expect(parseIsolinuxTimeout(isolinux)).toBeNull();
    for (const file of ['grub.cfg', 'config.cfg', 'theme.cfg']) {
      expect(parseGrubTimeout(await readFile(`${LIVE_BUILD}/grub-pc/${file}`, 'utf8')), file).toBeNull();
    }
  });

  it("the sample's grub.cfg boots after 1 second", () => {
    expect(parseMenu('/boot/grub/grub.cfg', 'grub', makeGrubConfig(SAMPLE_FLAVOURS)).timeoutSeconds).toBe(1);
  });

  it('reads isolinux tenths of a second, a negative GRUB timeout as none, and the last assignment', () => {
    expect(parseIsolinuxTimeout('default live\nTIMEOUT 50\n')).toBe(5);
    expect(parseIsolinuxTimeout('menu timeoutrow 16\n')).toBeNull();
    expect(parseGrubTimeout('set timeout=-1\n')).toBeNull();
    expect(parseGrubTimeout('set timeout=5\nif x; then\n  set timeout="30"\nfi\n')).toBe(30);
  });
});
