import { InputError, VerifyError } from '../errors.ts';
import { inspectIso, type IsoReport } from '../inspect/inspect.ts';
import type { WriteSetup } from '../output/write-setup.ts';
import type { WrittenDigests } from '../output/written-digests.ts';
import { keepUnverified, unverifiedPathFor } from '../safety/atomic.ts';
import { describeCheck, type VerifyReport, verifyIso } from './verify.ts';

/** A build's finished ISO before it is published: TEMPPATH becomes OUTPUT once every check passed. */
export interface PendingIso {
  tempPath: string;
  output: string;
  /** The input ISO it was made from. */
  input: string;
}

/**
 * The build's verify stage: the written ISO inspected once (verify, diff and the report share the
 * result) and checked against the input. A failure keeps the ISO as NAME.unverified.iso.
 */
export async function verifyWrittenIso(options: {
  iso: PendingIso;
  original: IsoReport;
  /** The layers the build rebuilt, by ISO path. */
  changedSquashfs: string[];
  /** Digests of the listed files taken as the ISO was written: the checksum check reads nothing again. */
  digests?: WrittenDigests;
  setup: WriteSetup;
  /** The keyring that just signed the layers, so their new signatures are checked, not skipped. */
  gnupgHome?: string;
  signal?: AbortSignal;
  say: (line: string) => void;
}): Promise<{ verify: VerifyReport; written: IsoReport }> {
  const { iso, signal } = options;
  const written = await inspectIso(iso.tempPath).catch(async (error: unknown) => {
    throw await keepUnverifiedIso(iso, `the new ISO cannot be read: ${(error as Error).message}`, error);
  });
  const report = await verifyIso({
    output: iso.tempPath,
    outputReport: written,
    original: iso.input,
    originalReport: options.original,
    changedSquashfs: options.changedSquashfs,
    digests: options.digests,
    setup: options.setup,
    gnupgHome: options.gnupgHome,
    signal,
  }).catch(async (error: unknown) => {
    signal?.throwIfAborted();
    throw await keepUnverifiedIso(iso, `verification could not run: ${(error as Error).message}`, error);
  });
  for (const check of report.checks) options.say(describeCheck(check));
  const failed = report.checks.filter((c) => c.outcome === 'failed');
  const damaged = failed.find((c) => c.inputDamaged);
  if (damaged) {
    signal?.throwIfAborted();
    // Nothing is kept: a medium made from a damaged input fails its own check at boot.
    throw new InputError(`${iso.input}: ${damaged.name}: ${damaged.detail}; nothing was written`, {
      hint: 'download the ISO again and check it against its SHA256SUMS',
    });
  }
  if (failed.length) {
    signal?.throwIfAborted();
    const reasons = failed.map((c) => `${c.name} (${c.detail})`).join('; ');
    throw await keepUnverifiedIso(iso, `the new ISO failed verification: ${reasons}`);
  }
  return { verify: report, written };
}

/** Keeps a finished ISO that did not verify beside the output and says how to check it again. */
export async function keepUnverifiedIso(
  iso: PendingIso,
  problem: string,
  cause?: unknown,
): Promise<VerifyError> {
  const kept = await keepUnverified(iso.tempPath, unverifiedPathFor(iso.output));
  return new VerifyError(
    `${problem}; the unverified ISO is kept as ${kept}; check it again with: isoforge verify ${kept} --original ${iso.input}`,
    { cause },
  );
}
