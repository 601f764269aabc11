import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.ts';
import { keepUnverified, prepareOutput, tempPathFor, unverifiedPathFor } from '../../../src/safety/atomic.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('prepareOutput', () => {
  it('writes to a hidden temp in the same folder and renames on commit', async () => {
    const out = join(dir, 'new.iso');
    {
      await using output = await prepareOutput(out, { force: false });
      expect(output.tempPath).toBe(join(dir, `.new.iso.isoforge-tmp-${process.pid}`));
      await writeFile(output.tempPath, 'complete');
      expect(await readdir(dir)).toEqual([`.new.iso.isoforge-tmp-${process.pid}`]);
      await output.commit();
    }
    expect(await readdir(dir)).toEqual(['new.iso']);
    expect(await readFile(out, 'utf8')).toBe('complete');
  });

  it('leaves no partial output when the producer fails', async () => {
    const out = join(dir, 'new.iso');
    await expect(
      (async () => {
        await using output = await prepareOutput(out, { force: false });
        await writeFile(output.tempPath, 'half');
        throw new Error('xorriso died');
      })(),
    ).rejects.toThrow('xorriso died');
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses an existing output without force (hint --force); with force keeps it until commit', async () => {
    const out = join(dir, 'old.iso');
    await writeFile(out, 'old');
    const refused = prepareOutput(out, { force: false });
    await expect(refused).rejects.toThrow(InputError);
    await expect(refused).rejects.toMatchObject({ hint: expect.stringContaining('--force') });
    await expect(
      (async () => {
        await using output = await prepareOutput(out, { force: true });
        await writeFile(output.tempPath, 'new but broken');
        throw new Error('failed');
      })(),
    ).rejects.toThrow('failed');
    expect(await readFile(out, 'utf8')).toBe('old');
    {
      await using output = await prepareOutput(out, { force: true });
      await writeFile(output.tempPath, 'new');
      await output.commit();
    }
    expect(await readFile(out, 'utf8')).toBe('new');
  });

  it('removes temps left by a killed run whose pid is gone, never a live one', async () => {
    const out = join(dir, 'x.iso');
    const child = spawn('true');
    await new Promise((resolve) => child.on('exit', resolve));
    await writeFile(tempPathFor(out, child.pid), 'partial from a SIGKILLed run');
    await writeFile(tempPathFor(out, 1), 'pid 1 is alive');
    await using output = await prepareOutput(out, { force: false });
    expect(output.tempPath).toBe(tempPathFor(out, process.pid));
    expect((await readdir(dir)).sort()).toEqual([`.x.iso.isoforge-tmp-1`]);
  });

  it('does not commit once the build was interrupted', async () => {
    const out = join(dir, 'late.iso');
    const controller = new AbortController();
    await expect(
      (async () => {
        await using output = await prepareOutput(out, { force: false, signal: controller.signal });
        await writeFile(output.tempPath, 'complete but interrupted');
        controller.abort(new Error('SIGTERM after the last stage'));
        await output.commit();
      })(),
    ).rejects.toThrow('SIGTERM after the last stage');
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a missing folder and a directory as output', async () => {
    await expect(prepareOutput(join(dir, 'nope', 'x.iso'), { force: true })).rejects.toThrow(InputError);
    await expect(prepareOutput(dir, { force: true })).rejects.toThrow(/is a directory/);
  });
});

describe('keepUnverified', () => {
  it('names the kept ISO beside the output, never as the output', () => {
    expect(unverifiedPathFor('/out/oem.iso')).toBe('/out/oem.unverified.iso');
    expect(unverifiedPathFor('/out/OEM.ISO')).toBe('/out/OEM.unverified.iso');
    expect(unverifiedPathFor('/out/image')).toBe('/out/image.unverified.iso');
  });

  it('moves the temp to the kept name; the output is not published and dispose leaves the kept file', async () => {
    const out = join(dir, 'oem.iso');
    {
      await using output = await prepareOutput(out, { force: false });
      await writeFile(output.tempPath, 'finished, not verified');
      expect(await keepUnverified(output.tempPath, unverifiedPathFor(out))).toBe(
        join(dir, 'oem.unverified.iso'),
      );
    }
    expect(await readdir(dir)).toEqual(['oem.unverified.iso']);
    expect(await readFile(join(dir, 'oem.unverified.iso'), 'utf8')).toBe('finished, not verified');
  });
});
