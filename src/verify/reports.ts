import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoReport } from '../inspect/inspect.ts';
import { runCommand } from '../tools/exec.ts';
import { runGpgVerify } from '../tools/gpg.ts';
import { extractFromIso, runXorrisoReport } from '../tools/xorriso.ts';
import type { VerifyCheck } from './check.ts';

/**
 * The guide's own checks, run with the tools it names: `xorriso -report_el_torito as_mkisofs`
 * and `fdisk -l` of output and original compared with every sector number taken out.
 */

/** `-report_el_torito as_mkisofs` lines without positions, volume id (a recipe may change it), date and file name. */
export function normaliseAsMkisofs(lines: readonly string[], iso: string): string[] {
  return lines
    .filter(
      (line) => line.startsWith('-') && !line.startsWith('-V ') && !line.startsWith('--modification-date'),
    )
    .map((line) =>
      line
        .replaceAll(iso, 'ISO')
        .replace(/\d+[sd]?-\d+[sd]?/g, 'N-N')
        .replace(/_start_\d+s_size_\d+d/, ''),
    );
}

/** fdisk -l's label type and partition types in order, plus any complaint it has (e.g. a GPT not at the end). */
export function parseFdiskLayout(
  stdout: string,
  stderr: string,
): { label: string; types: string[]; warnings: string } {
  const lines = stdout.split('\n');
  const header = lines.findIndex((line) => line.startsWith('Device'));
  const types =
    header < 0
      ? []
      : lines
          .slice(header + 1)
          .filter((line) => line.trim())
          .map((line) => line.trim().split(/\s+/).slice(5).join(' '));
  const label =
    lines
      .find((line) => line.startsWith('Disklabel type'))
      ?.split(':')[1]
      ?.trim() ?? 'none';
  return { label, types, warnings: stderr.trim() };
}

async function readFdiskLayout(iso: string, signal?: AbortSignal) {
  const result = await runCommand(['fdisk', '-l', iso], { signal });
  return parseFdiskLayout(result.stdout, result.stderr);
}

/** Compares the two reports of the guide's "验证" section; positions may move, nothing else may. */
export async function compareToolReports(
  original: string,
  output: string,
  signal?: AbortSignal,
): Promise<VerifyCheck[]> {
  const [a, b] = [await runXorrisoReport(original, signal), await runXorrisoReport(output, signal)];
  const before = normaliseAsMkisofs(a.elToritoAsMkisofs, original);
  const after = normaliseAsMkisofs(b.elToritoAsMkisofs, output);
  const differing = before.filter((line, i) => after[i] !== line);
  const [fa, fb] = [await readFdiskLayout(original, signal), await readFdiskLayout(output, signal)];
  const fdiskSame = fa.label === fb.label && JSON.stringify(fa.types) === JSON.stringify(fb.types);
  return [
    {
      name: 'xorriso -report_el_torito as_mkisofs',
      ok: differing.length === 0 && before.length === after.length,
      detail: differing.length
        ? `differs: ${differing.slice(0, 3).join(' | ')}`
        : `${after.length} lines match`,
    },
    {
      name: 'fdisk -l partitions',
      ok: fdiskSame && (fb.warnings === '' || fa.warnings !== ''),
      detail: fdiskSame
        ? `${fb.label}: ${fb.types.join(', ') || 'none'}${fb.warnings ? `; fdisk: ${fb.warnings}` : ''}`
        : `original ${fa.label} ${fa.types.join(', ')}; output ${fb.label} ${fb.types.join(', ')}`,
    },
  ];
}

/**
 * Every `LAYER.squashfs.gpg` on the medium checked against its layer. A bad signature fails; one
 * whose key is not in the keyring cannot be judged and is reported as such.
 */
export async function checkSignatures(
  iso: string,
  report: IsoReport,
  options: { gnupgHome?: string; signal?: AbortSignal },
): Promise<VerifyCheck[]> {
  const signed = report.layers.filter((layer) => layer.signature);
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
          { isoPath: `${layer.path}.gpg`, localPath: signature },
        ],
        options.signal,
      );
      const result = await runGpgVerify(signature, file, { home: options.gnupgHome, signal: options.signal });
      const unknownKey = /NO_PUBKEY/.test(result.detail);
      checks.push({
        name: `signature ${layer.path}.gpg`,
        ok: result.valid || unknownKey,
        detail: unknownKey ? `not checked: ${result.detail}` : result.detail,
      });
      await rm(file, { force: true });
      await rm(signature, { force: true });
    }
    return checks;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
