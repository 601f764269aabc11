import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoReport } from '../inspect/inspect.ts';
import { type GpgVerification, runGpgVerify } from '../tools/gpg.ts';
import { extractFromIso } from '../tools/xorriso.ts';
import type { VerifyCheck } from './check.ts';

/**
 * What a layer's signature check means for the medium. A key missing from the keyring cannot
 * judge a layer the build left alone (Ubuntu's CD signing key is rarely in root's keyring), but a
 * layer the build changed must carry a signature that verifies, or none at all.
 */
export function judgeSignature(name: string, result: GpgVerification, changed: boolean): VerifyCheck {
  switch (result.verdict) {
    case 'good':
    case 'expired-key':
    case 'expired-signature':
      return { name, outcome: 'ok', detail: result.detail };
    case 'unknown-key':
      return changed
        ? {
            name,
            outcome: 'failed',
            detail: `the layer changed but its signature is by ${result.fingerprint ?? result.keyId}, a key not in the keyring (a stale signature?)`,
          }
        : {
            name,
            outcome: 'not checked',
            detail: `key not in keyring: ${result.fingerprint ?? result.keyId}`,
          };
    default:
      return { name, outcome: 'failed', detail: result.detail };
  }
}

/** Every `LAYER.squashfs.gpg` on the medium checked against its layer with gpg --verify. */
export async function checkSignatures(
  iso: string,
  report: IsoReport,
  options: { gnupgHome?: string; changedSquashfs?: readonly string[]; signal?: AbortSignal },
): Promise<VerifyCheck[]> {
  const signed = report.layers.flatMap((layer) =>
    layer.signaturePath ? [{ path: layer.path, signaturePath: layer.signaturePath }] : [],
  );
  if (!signed.length) return [];
  const dir = await mkdtemp(join(tmpdir(), 'isoforge-verify-'));
  try {
    const checks: VerifyCheck[] = [];
    for (const layer of signed) {
      const [file, signature] = [join(dir, 'layer.squashfs'), join(dir, 'layer.squashfs.gpg')];
      await extractFromIso(
        iso,
        [
          { isoPath: layer.path, localPath: file },
          { isoPath: layer.signaturePath, localPath: signature },
        ],
        options.signal,
      );
      const result = await runGpgVerify(signature, file, { home: options.gnupgHome, signal: options.signal });
      const changed = options.changedSquashfs?.includes(layer.path) ?? false;
      checks.push(judgeSignature(`signature ${layer.signaturePath}`, result, changed));
      await rm(file, { force: true });
      await rm(signature, { force: true });
    }
    return checks;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
