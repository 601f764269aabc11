import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Level, Logger } from 'pino';

/**
 * One logger for the whole process. It writes nothing until a command opens a log file
 * (a build's work directory) or the user asks for --verbose on stderr; until then pino is not
 * even loaded, which keeps `inspect` and `--version` fast.
 */
let fileStream: WriteStream | undefined;
let verbose = false;
let current: Logger | undefined;

function makeLogger(): Logger | undefined {
  const streams: { stream: NodeJS.WritableStream; level: Level }[] = [];
  if (fileStream) streams.push({ stream: fileStream, level: 'debug' });
  if (verbose) streams.push({ stream: process.stderr, level: 'debug' });
  if (!streams.length) return undefined;
  const { multistream, pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
  return pino({ level: 'debug', base: null }, multistream(streams));
}

type LogMethod = (fields: object, message?: string) => void;

/** The logging calls isoforge makes: structured fields, then a message. */
export const log: Record<'debug' | 'info' | 'warn' | 'error', LogMethod> = {
  debug: (fields, message) => current?.debug(fields, message),
  info: (fields, message) => current?.info(fields, message),
  warn: (fields, message) => current?.warn(fields, message),
  error: (fields, message) => current?.error(fields, message),
};

export function setVerbose(on: boolean): void {
  verbose = on;
  current = makeLogger();
}

/** Sends every later log line to FILE as well (append), e.g. WORKDIR/build.log. */
export function openLogFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  fileStream?.end();
  fileStream = createWriteStream(file, { flags: 'a' });
  current = makeLogger();
}

export async function closeLogFile(): Promise<void> {
  const stream = fileStream;
  fileStream = undefined;
  current = makeLogger();
  if (stream) await new Promise<void>((resolve) => stream.end(resolve));
}
