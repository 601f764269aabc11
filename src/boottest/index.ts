import { appendFile, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runQemu } from '../tools/qemu.ts';
import { type Firmware, FIRMWARE_FILES, makeQemuArgs, type Media } from './args.ts';
import { QmpClient } from './qmp.ts';

export { type Firmware, type Media, FIRMWARES, MEDIA } from './args.ts';

/** The marker line the sample's initrd prints when the layers stacked and the release file was read. */
export const SAMPLE_OK = /ISOFORGE-SAMPLE-BOOT ok release=\S+/;
/** Stops a boot early: the sample's own fail marker, or firmware that found nothing it may boot. */
export const BOOT_FAILURES =
  /ISOFORGE-SAMPLE-BOOT fail reason=\S+|No bootable option or device was found|No bootable device|UEFI Interactive Shell|Kernel panic/;

export interface BootResult {
  firmware: Firmware;
  media: Media;
  passed: boolean;
  seconds: number;
  logFile: string;
  /** The last console lines (serial, then the VGA text screen) for a failure report. */
  tail: string[];
  /** The line that matched EXPECT, when one did. */
  matched: string | null;
}

export interface BootTestOptions {
  iso: string;
  firmware: Firmware;
  media: Media;
  expect?: RegExp;
  /** Stops the boot early as failed when this appears (default: the sample's fail marker). */
  failOn?: RegExp;
  timeoutSeconds?: number;
  logDir: string;
  signal?: AbortSignal;
}

const VGA_POLL_MS = 2000;

/** Boots ISO once in QEMU and reports whether EXPECT appeared on the console before the timeout. */
export async function runBootTest(options: BootTestOptions): Promise<BootResult> {
  const expect = options.expect ?? SAMPLE_OK;
  const failOn = options.failOn ?? BOOT_FAILURES;
  const name = `${options.firmware}-${options.media}`;
  await mkdir(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${name}.log`);
  await writeFile(logFile, '');
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal;
  const console = new ConsoleWatch(logFile, expect, failOn, () => stop.abort());
  const timer = setTimeout(() => stop.abort(), (options.timeoutSeconds ?? 180) * 1000);
  const qmpSocket = join(options.logDir, `${name}.qmp`);
  const argv = makeQemuArgs({ ...options, qmpSocket, varsFile: await copyVars(options, name) });
  const started = Date.now();
  const screen = watchScreen(qmpSocket, console, signal);
  try {
    await runQemu(argv, { signal, onLine: (line) => console.addSerial(line) });
  } finally {
    clearTimeout(timer);
    stop.abort();
    await screen;
  }
  options.signal?.throwIfAborted();
  await console.flush();
  return {
    firmware: options.firmware,
    media: options.media,
    passed: console.matched !== null,
    seconds: (Date.now() - started) / 1000,
    logFile,
    tail: console.tail(),
    matched: console.matched,
  };
}

async function copyVars(options: BootTestOptions, name: string): Promise<string | undefined> {
  if (options.firmware === 'bios') return undefined;
  const vars = join(options.logDir, `${name}.vars.fd`);
  await copyFile(FIRMWARE_FILES[options.firmware].vars, vars);
  return vars;
}

/** Polls the VGA text screen (BIOS boot loaders print nowhere else) until SIGNAL stops the VM. */
async function watchScreen(socket: string, console: ConsoleWatch, signal: AbortSignal): Promise<void> {
  let qmp: QmpClient | undefined;
  try {
    qmp = await QmpClient.connect(socket);
    while (!signal.aborted) {
      console.setScreen(await qmp.readVgaText());
      await new Promise((resolve) => setTimeout(resolve, VGA_POLL_MS));
    }
  } catch {
    // The VM powered off or was stopped: the screen is simply gone.
  } finally {
    qmp?.close();
  }
}

/** Collects serial lines and screen snapshots, and decides pass/fail as they arrive. */
class ConsoleWatch {
  matched: string | null = null;
  private serial: string[] = [];
  private screen: string[] = [];
  private pending = '';
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly logFile: string,
    private readonly expect: RegExp,
    private readonly failOn: RegExp,
    private readonly stop: () => void,
  ) {}

  addSerial(line: string): void {
    // Firmware and kernels colour their output; strip ANSI escape sequences before matching.
    // eslint-disable-next-line no-control-regex
    const clean = line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    this.serial.push(clean);
    this.pending += `${clean}\n`;
    this.check([clean]);
  }

  setScreen(lines: string[]): void {
    if (lines.join('\n') === this.screen.join('\n')) return;
    this.screen = lines;
    this.pending += `--- screen ---\n${lines.filter(Boolean).join('\n')}\n--- end screen ---\n`;
    this.check(lines);
  }

  tail(count = 15): string[] {
    return [...this.serial.slice(-count), ...this.screen.filter(Boolean).slice(-count)];
  }

  /** Appends what arrived since the last flush; writes are chained so the log keeps console order. */
  flush(): Promise<void> {
    const text = this.pending;
    this.pending = '';
    if (text) this.writing = this.writing.then(() => appendFile(this.logFile, text));
    return this.writing;
  }

  private check(lines: string[]): void {
    for (const line of lines) {
      if (this.matched === null && this.expect.test(line)) {
        this.matched = line;
        this.stop();
      } else if (this.matched === null && this.failOn.test(line)) {
        this.stop();
      }
    }
    void this.flush();
  }
}
