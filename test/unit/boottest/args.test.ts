import { describe, expect, it } from 'vitest';
import { FIRMWARES, makeQemuArgs, MEDIA, parseModeList } from '../../../src/boottest/args.ts';
import { InputError } from '../../../src/errors.ts';

describe('parseModeList', () => {
  it('expands all, keeps one name, and reads a comma-separated list once each', () => {
    expect(parseModeList('all', FIRMWARES, 'firmware')).toEqual(['bios', 'uefi', 'uefi-secureboot']);
    expect(parseModeList('usb', MEDIA, 'media')).toEqual(['usb']);
    expect(parseModeList('bios, uefi,bios', FIRMWARES, 'firmware')).toEqual(['bios', 'uefi']);
  });

  it('names the unknown entry of a list', () => {
    expect(() => parseModeList('bios,efi', FIRMWARES, 'firmware')).toThrow(InputError);
    expect(() => parseModeList('bios,efi', FIRMWARES, 'firmware')).toThrow("unknown firmware 'efi'");
  });
});

describe('makeQemuArgs', () => {
  const base = { iso: '/x/a.iso', qmpSocket: '/x/q.sock', varsFile: '/x/vars.fd' };

  it('attaches a USB stick as a snapshot, so the ISO file is never written', () => {
    const args = makeQemuArgs({ ...base, firmware: 'bios', media: 'usb' }).join(' ');
    expect(args).toContain('if=none,id=stick,format=raw,snapshot=on,file=/x/a.iso');
    expect(args).toContain('usb-storage,bus=xhci.0,drive=stick');
    expect(args).not.toContain('pflash');
  });

  it('attaches the loopback stick (the disk image holding the ISO) as a USB stick too', () => {
    const args = makeQemuArgs({
      ...base,
      iso: '/x/bios-loopback.stick.img',
      firmware: 'bios',
      media: 'loopback',
    });
    expect(args.join(' ')).toContain(
      'if=none,id=stick,format=raw,snapshot=on,file=/x/bios-loopback.stick.img',
    );
    expect(args).not.toContain('-boot');
  });

  it('boots Secure Boot on q35 with SMM, Microsoft-key variables copied, firmware code read-only', () => {
    const args = makeQemuArgs({ ...base, firmware: 'uefi-secureboot', media: 'cdrom' }).join(' ');
    expect(args).toContain('-machine q35,smm=on');
    expect(args).toContain('readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.ms.fd');
    expect(args).toContain('unit=1,file=/x/vars.fd');
    expect(args).toContain('file=/x/a.iso,media=cdrom,format=raw,readonly=on');
    expect(args).toContain('-accel tcg');
  });
});
