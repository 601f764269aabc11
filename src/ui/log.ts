import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { multistream, pino, type Level, type Logger } from 'pino';

/**
 * One logger for the whole process. It writes nothing until a command opens a log file
 * (a build's work directory) or the user asks for --verbose on stderr.
 */
let fileStream: WriteStream | undefined;
let verbose = false;

function makeLogger(): Logger {
  const streams: { stream: NodeJS.WritableStream; level: Level }[] = [];
  if (fileStream) streams.push({ stream: fileStream, level: 'debug' });
  if (verbose) streams.push({ stream: process.stderr, level: 'debug' });
  return pino({ level: streams.length ? 'debug' : 'silent', base: null }, multistream(streams));
}

export let log: Logger = makeLogger();

export function setVerbose(on: boolean): void {
  verbose = on;
  log = makeLogger();
}

/** Sends every later log line to FILE as well (append), e.g. WORKDIR/build.log. */
export function openLogFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  fileStream?.end();
  fileStream = createWriteStream(file, { flags: 'a' });
  log = makeLogger();
}

export async function closeLogFile(): Promise<void> {
  const stream = fileStream;
  fileStream = undefined;
  log = makeLogger();
  if (stream) await new Promise<void>((resolve) => stream.end(resolve));
}
