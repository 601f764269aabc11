import { describe, expect, it } from 'vitest';
import { parseGrubWords } from '../../../src/inspect/grub-words.ts';
import { parseGrubScriptCheckOutput } from '../../../src/tools/grub.ts';
import { checkGrubText } from './menu-support.ts';

describe('runGrubScriptCheck (grub-common)', () => {
  it('accepts an escaped and a quoted ;', async () => {
    const text = 'menuentry "x" {\n\tlinux /casper/vmlinuz ds=nocloud\\;s=/cdrom/nocloud/ "a;b" ---\n}\n';
    expect(await checkGrubText(text)).toEqual({ ok: true });
  });

  it('names the line of an unterminated if and the parser messages', async () => {
    const text =
      'set timeout=1\nmenuentry "x" {\n\tlinux /casper/vmlinuz ---\n}\nif [ "$grub_platform" = "efi" ]; then\n';
    expect(await checkGrubText(text)).toEqual({
      ok: false,
      line: 5,
      message: 'syntax error; Incorrect command',
    });
  });

  it("passes an unescaped ; (to GRUB it ends the linux command): escaping is the editor's job", async () => {
    const line = '\tlinux /casper/vmlinuz ds=nocloud;s=/cdrom/nocloud/ ---';
    expect(await checkGrubText(`menuentry "x" {\n${line}\n}\n`)).toEqual({ ok: true });
    expect(parseGrubWords(line).map((word) => word.value)).toEqual([
      'linux',
      '/casper/vmlinuz',
      'ds=nocloud',
    ]);
  });

  it('reads the output without a line number too', () => {
    expect(parseGrubScriptCheckOutput('error: out of memory.\nerror: syntax error.\n')).toEqual({
      ok: false,
      line: null,
      message: 'syntax error',
    });
  });
});
