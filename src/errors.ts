/**
 * Every failure isoforge reports to a user is an IsoforgeError: a code, a message that names the
 * problem, a hint that names the fix, and the exit code documented in the README.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  badInput: 2,
  needsRoot: 3,
  missingTool: 4,
  commandFailed: 5,
  unsafe: 6,
  noSpace: 7,
  locked: 8,
  verifyFailed: 9,
  bootFailed: 10,
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  hint?: string;
  cause?: unknown;
}

export class IsoforgeError extends Error {
  readonly hint: string | undefined;
  constructor(
    readonly code: string,
    readonly exitCode: ExitCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message, { cause: details.cause });
    this.name = new.target.name;
    this.hint = details.hint;
  }
}

/** The input file is not what it claims to be: not an ISO, truncated, corrupt tables. */
export class FormatError extends IsoforgeError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('EFORMAT', ExitCode.badInput, message, details);
  }
}

/** A path or argument the user gave cannot be used as given. */
export class InputError extends IsoforgeError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('EINPUT', ExitCode.badInput, message, details);
  }
}

/** The recipe (or a file it names) is invalid; the message starts with file:line:column and the field path. Bad input like any other: exit 2. */
export class RecipeError extends IsoforgeError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('ERECIPE', ExitCode.badInput, message, details);
  }
}

export class MissingToolError extends IsoforgeError {
  constructor(
    readonly program: string,
    readonly aptPackage: string,
    message = `required program '${program}' was not found`,
  ) {
    super('ETOOL', ExitCode.missingTool, message, { hint: `install it: apt-get install -y ${aptPackage}` });
  }
}

/** A layer build run by an ordinary user: it mounts overlays and chroots, which need root here. */
export class NeedsRootError extends IsoforgeError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('EROOT', ExitCode.needsRoot, message, details);
  }
}

/** A layer build by an ordinary user on a machine without what rootless mode needs (rootless/requirements.ts). */
export class RootlessUnavailableError extends IsoforgeError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('EROOTLESS', ExitCode.missingTool, message, details);
  }
}

/** A refusal that protects the user's data or the host: a mount below a path to delete, a symlink escape. */
export class SafetyError extends IsoforgeError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('EUNSAFE', ExitCode.unsafe, message, details);
  }
}

export class NoSpaceError extends IsoforgeError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('ENOSPC', ExitCode.noSpace, message, details);
  }
}

export class LockedError extends IsoforgeError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('ELOCKED', ExitCode.locked, message, details);
  }
}

export class VerifyError extends IsoforgeError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('EVERIFY', ExitCode.verifyFailed, message, details);
  }
}

export class BootTestError extends IsoforgeError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('EBOOT', ExitCode.bootFailed, message, details);
  }
}

export class InterruptedError extends IsoforgeError {
  constructor(readonly signalName: string) {
    const exitCode = signalName === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
    super('EINTR', exitCode, `interrupted by ${signalName}; everything mounted was undone`);
  }
}

/** An external program exited non-zero or was killed. */
export class CommandFailedError extends IsoforgeError {
  constructor(
    readonly argv: readonly string[],
    readonly exitStatus: number | undefined,
    readonly signal: string | undefined,
    readonly stderrTail: string,
    details: ErrorDetails = {},
  ) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${exitStatus ?? '?'}`;
    const tail = stderrTail.trim().split('\n').slice(-1)[0] ?? '';
    super('ECOMMAND', ExitCode.commandFailed, `${argv[0]} ${how}${tail ? `: ${tail}` : ''}`, details);
  }
}

export function isIsoforgeError(error: unknown): error is IsoforgeError {
  return error instanceof IsoforgeError;
}
