import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectIso } from '../inspect/inspect.ts';
import type { BootMenu } from '../inspect/menus.ts';
import { runQemu } from '../tools/qemu.ts';
import { type Firmware, FIRMWARE_FILES, makeQemuArgs, type Media } from './args.ts';
import { type BootEnd, ConsoleWatch, type MilestoneHit } from './console-watch.ts';
import { makeCopyBootingEntry } from './default-entry.ts';
import { makeLoopbackStick } from './loopback.ts';
import type { Milestone } from './milestones.ts';
import { QmpClient } from './qmp.ts';

export { ALL_MEDIA, type Firmware, type Media, FIRMWARES, MEDIA } from './args.ts';
export { type BootEnd, type MilestoneHit } from './console-watch.ts';
export { type Milestone, MILESTONES } from './milestones.ts';

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
  /** The line that matched EXPECT or proved the UNTIL milestone, when one did. */
  matched: string | null;
  /** The furthest milestone reached (null: not even a boot loader), and when each was first seen. */
  milestone: Milestone | null;
  milestones: MilestoneHit[];
  end: BootEnd;
  /** A PNG of the screen taken the moment the boot passed (null: it did not pass, or the VM was gone). */
  screenshot: string | null;
}

export interface BootTestOptions {
  iso: string;
  firmware: Firmware;
  media: Media;
  /** Passes on a console line matching EXPECT, or on reaching UNTIL; neither: the sample's marker or a login prompt. */
  expect?: RegExp;
  until?: Milestone;
  /**
   * The longest timeout of the ISO's boot menus (0 when none has one): a boot loader whose screen
   * stays still longer than that, plus a margin, is waiting at a menu for a key.
   */
  menuTimeoutSeconds?: number;
  /** Stops the boot early as failed when this appears (default: the sample's fail marker). */
  failOn?: RegExp;
  timeoutSeconds?: number;
  /** Boot this GRUB menu entry (by title) instead of the default one (default-entry.ts). */
  entry?: string;
  logDir: string;
  signal?: AbortSignal;
}

const VGA_POLL_MS = 2000;
/** A still screen and an idle disk at the boot loader this long after any menu timeout: it waits for a key. */
// 45 s: on 2 shared cores, GRUB loading a kernel from a slow emulated disk has been seen still for over 20 s.
const MENU_QUIET_MS = 45_000;

/** Boots ISO once in QEMU and reports whether EXPECT appeared on the console before the timeout. */
export async function runBootTest(options: BootTestOptions): Promise<BootResult> {
  if (!options.entry) return bootMedium(options);
  const copy = join(options.logDir, `${options.firmware}-${options.media}-entry.iso`);
  try {
    await makeCopyBootingEntry({
      iso: options.iso,
      copy,
      title: options.entry,
      workDir: join(options.logDir, 'entry'),
      signal: options.signal,
    });
    return await bootMedium({ ...options, iso: copy });
  } finally {
    await rm(copy, { force: true });
  }
}

async function bootMedium(options: BootTestOptions): Promise<BootResult> {
  if (options.media !== 'loopback') return bootInQemu(options, options.iso);
  await mkdir(options.logDir, { recursive: true });
  const stick = join(options.logDir, `${options.firmware}-loopback.stick.img`);
  try {
    await makeLoopbackStick({ iso: options.iso, stick, workDir: options.logDir, signal: options.signal });
    return await bootInQemu(options, stick);
  } finally {
    // The stick holds a whole copy of the ISO: it lives only as long as the boot.
    await rm(stick, { force: true });
  }
}

/** One QEMU run of DISK (the ISO, or the stick holding it) as OPTIONS' firmware and media say. */
async function bootInQemu(options: BootTestOptions, disk: string): Promise<BootResult> {
  const useDefault = options.expect === undefined && options.until === undefined;
  const goal = {
    expect: useDefault ? SAMPLE_OK : options.expect,
    until: useDefault ? 'login' : options.until,
    failOn: options.failOn ?? BOOT_FAILURES,
  } as const;
  const name = `${options.firmware}-${options.media}`;
  await mkdir(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${name}.log`);
  await writeFile(logFile, '');
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal;
  const monitor: { qmp?: QmpClient } = {};
  const screenshot = join(options.logDir, `${name}.png`);
  await rm(screenshot, { force: true });
  let shot: Promise<boolean> = Promise.resolve(false);
  const console = new ConsoleWatch(logFile, goal, () => {
    // The picture is taken before the VM stops: at the moment the boot passed, not after.
    if (console.end === 'passed' && !stop.signal.aborted)
      shot = saveScreenshot(monitor.qmp, screenshot).finally(() => stop.abort());
    else stop.abort();
  });
  const timer = setTimeout(() => console.finish('timeout'), (options.timeoutSeconds ?? 180) * 1000);
  const qmpSocket = join(options.logDir, `${name}.qmp`);
  const started = Date.now();
  const screen = watchScreen(qmpSocket, console, signal, monitor, {
    dumpFile: join(options.logDir, `${name}.ppm`),
    menuQuietMs: MENU_QUIET_MS + (options.menuTimeoutSeconds ?? 0) * 1000,
  });
  try {
    const argv = makeQemuArgs({ ...options, iso: disk, qmpSocket, varsFile: await copyVars(options, name) });
    const exit = await runQemu(argv, { signal, onLine: (line) => console.addSerial(line) });
    if (exit === 'powered-off') console.finish('powered-off');
  } finally {
    clearTimeout(timer);
    await shot;
    stop.abort();
    await screen;
  }
  options.signal?.throwIfAborted();
  await console.flush();
  return {
    firmware: options.firmware,
    media: options.media,
    passed: console.end === 'passed',
    seconds: (Date.now() - started) / 1000,
    logFile,
    tail: console.tail(),
    matched: console.matched,
    milestone: console.milestone,
    milestones: console.milestones,
    end: console.end ?? 'timeout',
    screenshot: (await shot) ? screenshot : null,
  };
}

/** Dumps the screen of the VM QMP talks to as a PNG at FILE; false when there is no VM to ask. */
async function saveScreenshot(qmp: QmpClient | undefined, file: string): Promise<boolean> {
  if (!qmp) return false;
  try {
    // A guest that passed powers off at once: paused first, it cannot take the screen away.
    await qmp.pause();
    await qmp.saveScreenPng(file);
    return true;
  } catch {
    return false;
  }
}

async function copyVars(options: BootTestOptions, name: string): Promise<string | undefined> {
  if (options.firmware === 'bios') return undefined;
  const vars = join(options.logDir, `${name}.vars.fd`);
  await copyFile(FIRMWARE_FILES[options.firmware].vars, vars);
  return vars;
}

/**
 * Polls the VGA text screen (BIOS boot loaders print nowhere else) and a picture of the whole
 * screen (graphical menus) until SIGNAL stops the VM; stops it at a boot menu that waits forever.
 */
async function watchScreen(
  socket: string,
  console: ConsoleWatch,
  signal: AbortSignal,
  monitor: { qmp?: QmpClient },
  options: { dumpFile: string; menuQuietMs: number },
): Promise<void> {
  let qmp: QmpClient | undefined;
  try {
    qmp = await QmpClient.connect(socket);
    monitor.qmp = qmp;
    while (!signal.aborted) {
      console.setScreen(await qmp.readVgaText());
      console.setActivity(await qmp.readScreenHash(options.dumpFile), await qmp.readDiskReadBytes());
      const still = Date.now() - console.lastActivity >= options.menuQuietMs;
      if (console.milestone === 'bootloader' && still && !console.entryChosen) console.finish('boot-menu');
      await new Promise((resolve) => setTimeout(resolve, VGA_POLL_MS));
    }
  } catch {
    // The VM powered off or was stopped: the screen is simply gone.
  } finally {
    monitor.qmp = undefined;
    qmp?.close();
  }
}

/**
 * The longest timeout among the ISO's boot menus, 0 when none has one (live-build's isolinux and
 * GRUB menus wait for a key): how long a boot loader may legitimately show a still screen.
 */
export async function readMenuTimeoutSeconds(iso: string): Promise<number> {
  return menuTimeoutSeconds(await inspectIso(iso));
}

/** readMenuTimeoutSeconds of a report already read. */
export function menuTimeoutSeconds(report: { bootMenus: readonly BootMenu[] }): number {
  return Math.max(0, ...report.bootMenus.map((menu) => menu.timeoutSeconds ?? 0));
}

const ENDS: Record<BootResult['end'], string> = {
  passed: 'passed',
  'boot-menu': 'stopped at a boot menu',
  failure: 'stopped on a failure line',
  'powered-off': 'powered off',
  timeout: 'timed out',
};

/** How a boot ended, in words: "stopped at a boot menu", "timed out after reaching kernel". */
export function describeEnd(result: BootResult): string {
  const end = ENDS[result.end];
  if (result.end === 'passed' || result.end === 'boot-menu') return end;
  return `${end} ${result.milestone ? `after reaching ${result.milestone}` : 'before any boot loader'}`;
}
