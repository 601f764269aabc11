/** One verification check and its tri-state outcome, shared by every module that makes or shows checks. */

/** A check passed, failed, or could not be made (the detail says why, e.g. a key not in the keyring). */
export type CheckOutcome = 'ok' | 'failed' | 'not checked';

export interface VerifyCheck {
  name: string;
  outcome: CheckOutcome;
  detail: string;
  /** The failure is the input's own (its checksum file does not match its own files): no build can fix it. */
  inputDamaged?: boolean;
}

/** A yes/no check's outcome; only a check that could not be made at all is 'not checked'. */
export function outcomeOf(passed: boolean): CheckOutcome {
  return passed ? 'ok' : 'failed';
}

/** One line per check for a log or a terminal: `ok md5sum.txt`, `not checked signature ... (why)`. */
export function describeCheck(check: VerifyCheck): string {
  const line = `${check.outcome === 'failed' ? 'FAIL' : check.outcome} ${check.name}`;
  return check.outcome === 'not checked' ? `${line} (${check.detail})` : line;
}

export interface VerifyReport {
  /** True when no check failed; checks not made do not fail a medium. */
  ok: boolean;
  checks: VerifyCheck[];
}
