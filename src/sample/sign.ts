import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { updateChecksums } from '../distro/checksums.ts';
import { casperLayout } from '../distro/layouts/casper.ts';
import { writeIso } from '../output/write-iso.ts';
import { runCommand } from '../tools/exec.ts';
import { type GpgContext, runGpgDetachSign, runGpgGenerateKey } from '../tools/gpg.ts';
import { extractFromIso } from '../tools/xorriso.ts';

export interface SignLayersOptions {
  input: string;
  output: string;
  /** Layer paths on the medium, e.g. /casper/ubuntu-server-minimal.squashfs. */
  layers: readonly string[];
  /** Scratch folder for the extracted layers; removed before returning. */
  workDir: string;
  /** Keyring and key to sign with; without them a throw-away key is made and thrown away. */
  gnupgHome?: string;
  key?: string;
  signal?: AbortSignal;
}

/**
 * Writes OUTPUT as INPUT plus `LAYER.squashfs.gpg` beside every layer and in md5sum.txt, as
 * Ubuntu's release ISOs carry them: so a build can meet signatures by a key it does not hold.
 * Returns the fingerprint that signed.
 */
export async function makeSignedLayersIso(options: SignLayersOptions): Promise<string> {
  const scratch = await mkdtemp(join(options.workDir, 'sign-'));
  const throwAway = options.gnupgHome === undefined;
  const home = options.gnupgHome ?? join(scratch, 'gnupg');
  const context: GpgContext = { home, signal: options.signal };
  try {
    if (throwAway) await mkdir(home, { mode: 0o700 });
    const key =
      options.key ??
      (await runGpgGenerateKey(
        { name: 'isoforge sample', email: 'sample@isoforge.invalid', expiry: '1d' },
        context,
      ));
    const replace: { isoPath: string; localPath: string }[] = [];
    const hashes = new Map<string, string>();
    for (const [i, isoPath] of options.layers.entries()) {
      const layer = join(scratch, `layer-${i}.squashfs`);
      await extractFromIso(options.input, [{ isoPath, localPath: layer }], options.signal);
      const signature = `${layer}.gpg`;
      await runGpgDetachSign(layer, signature, key, context);
      await rm(layer, { force: true });
      const sidecar = casperLayout.signatureSidecar(isoPath);
      replace.push({ isoPath: sidecar, localPath: signature });
      hashes.set(
        sidecar,
        createHash('md5')
          .update(await readFile(signature))
          .digest('hex'),
      );
    }
    const md5 = join(scratch, 'md5sum.txt');
    await extractFromIso(options.input, [{ isoPath: '/md5sum.txt', localPath: md5 }], options.signal);
    await writeFile(md5, updateChecksums(await readFile(md5, 'utf8'), hashes, []));
    replace.push({ isoPath: '/md5sum.txt', localPath: md5 });
    await writeIso({
      input: options.input,
      output: options.output,
      bootSetup: 'replay',
      changes: { replace, remove: [] },
      signal: options.signal,
    });
    return key;
  } finally {
    if (throwAway)
      await runCommand(['gpgconf', '--homedir', home, '--kill', 'gpg-agent']).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
}
