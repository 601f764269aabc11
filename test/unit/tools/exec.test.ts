import { describe, expect, it } from 'vitest';
import { CommandFailedError, MissingToolError } from '../../../src/errors.ts';
import { runCommand } from '../../../src/tools/exec.ts';

describe('runCommand', () => {
  it('returns stdout of a real program and runs with LANG=C.UTF-8', async () => {
    const result = await runCommand(['sh', '-c', 'echo "$LANG"']);
    expect(result.stdout.trim()).toBe('C.UTF-8');
  });

  it('turns a non-zero exit into CommandFailedError with the stderr tail', async () => {
    const run = runCommand(['sh', '-c', 'echo boom >&2; exit 3']);
    await expect(run).rejects.toBeInstanceOf(CommandFailedError);
    await expect(run).rejects.toMatchObject({ exitStatus: 3, message: 'sh exited with code 3: boom' });
  });

  it('names the apt package of a program that is missing', async () => {
    const run = runCommand(['isoforge-no-such-program']);
    await expect(run).rejects.toBeInstanceOf(MissingToolError);
  });

  it('passes a secret on an extra file descriptor, not argv', async () => {
    const result = await runCommand(['sh', '-c', 'cat <&3'], { extraFds: ['s3cret'] });
    expect(result.stdout).toBe('s3cret');
  });

  it('streams lines, splitting progress redraws on carriage returns', async () => {
    const lines: string[] = [];
    await runCommand(['sh', '-c', 'printf "10%%\\r20%%\\rdone\\n"'], { onLine: (line) => lines.push(line) });
    expect(lines).toEqual(['10%', '20%', 'done']);
  });

  it('rejects with the abort reason when cancelled', async () => {
    const controller = new AbortController();
    const run = runCommand(['sleep', '30'], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop now')), 100);
    await expect(run).rejects.toThrow('stop now');
  });
});
