import type { BootMenu } from '../inspect/menus.ts';
import { keepUnverifiedIso, type PendingIso } from '../verify/output.ts';
import {
  type BootResult,
  describeEnd,
  type Firmware,
  type Media,
  menuTimeoutSeconds,
  runBootTest,
} from './index.ts';

/** A recipe's verify: block, as the boot stages read it. */
export interface RecipeBootChecks {
  boot: string[];
  expect?: string;
  timeout?: number;
}

/**
 * A build's boot-test stage: the finished ISO booted in MODE (firmware/media); a failure keeps the
 * ISO, with the console log named.
 */
export async function bootTestWrittenIso(options: {
  iso: PendingIso;
  mode: string;
  checks: RecipeBootChecks;
  /** The menus as the plan edited them: they say how long the new medium waits. */
  bootMenus: readonly BootMenu[];
  logDir: string;
  signal?: AbortSignal;
  say: (line: string) => void;
}): Promise<BootResult> {
  const { mode, checks, signal } = options;
  const [firmware, media = 'cdrom'] = mode.split('/') as [Firmware, Media?];
  const result = await runBootTest({
    iso: options.iso.tempPath,
    firmware,
    media,
    expect: checks.expect ? new RegExp(checks.expect) : undefined,
    menuTimeoutSeconds: menuTimeoutSeconds({ bootMenus: options.bootMenus }),
    timeoutSeconds: checks.timeout,
    logDir: options.logDir,
    signal,
  });
  options.say(`${mode}: ${describeEnd(result)} in ${result.seconds.toFixed(1)}s`);
  if (result.passed) return result;
  signal?.throwIfAborted();
  throw await keepUnverifiedIso(
    options.iso,
    `boot test ${mode} failed (${describeEnd(result)}); console log: ${result.logFile}`,
  );
}
