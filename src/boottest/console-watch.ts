import { appendFile } from 'node:fs/promises';
import { isLater, type Milestone, parseMilestone } from './milestones.ts';

// GRUB's "Booting `ENTRY'" and the help line under each of its menus (shown again when an entry fails).
const GRUB_BOOTING = 'Booting `';
const GRUB_MENU = 'Press enter to boot the selected OS';

/** How a boot test ended: its goal reached, or why it stopped before. */
export type BootEnd = 'passed' | 'boot-menu' | 'failure' | 'powered-off' | 'timeout';

export interface MilestoneHit {
  milestone: Milestone;
  /** Seconds after QEMU started. */
  seconds: number;
  line: string;
}

export interface BootGoal {
  /** Passes when a console line matches. */
  expect?: RegExp;
  /** Passes when the boot reaches this milestone. */
  until?: Milestone;
  /** Stops the boot early as failed when a line matches. */
  failOn: RegExp;
}

/**
 * Collects serial lines and screen snapshots, records the milestones they prove, and decides
 * pass/fail as they arrive; STOP ends the VM once the outcome is known.
 */
export class ConsoleWatch {
  matched: string | null = null;
  end: BootEnd | null = null;
  readonly milestones: MilestoneHit[] = [];
  /** When the console last changed (ms since epoch): a boot menu without a timeout stays still. */
  lastActivity = Date.now();
  /**
   * GRUB printed "Booting `ENTRY'" and no menu since: a still screen now is a kernel loading
   * slowly (a loop-mounted ISO on a busy host), not a menu waiting for a key.
   */
  entryChosen = false;
  private serial: string[] = [];
  private screen: string[] = [];
  private screenHash = '';
  private diskReadBytes = 0;
  private pending = '';
  private writing: Promise<void> = Promise.resolve();
  private readonly started = Date.now();

  constructor(
    private readonly logFile: string,
    private readonly goal: BootGoal,
    private readonly stop: () => void,
  ) {}

  get milestone(): Milestone | null {
    return this.milestones.at(-1)?.milestone ?? null;
  }

  addSerial(line: string): void {
    // Firmware and kernels colour their output; strip ANSI escape sequences before matching.
    // eslint-disable-next-line no-control-regex
    const clean = line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    this.serial.push(clean);
    this.pending += `${clean}\n`;
    this.lastActivity = Date.now();
    this.check([clean]);
  }

  setScreen(lines: string[]): void {
    if (lines.join('\n') === this.screen.join('\n')) return;
    this.screen = lines;
    this.lastActivity = Date.now();
    this.pending += `--- screen ---\n${lines.filter(Boolean).join('\n')}\n--- end screen ---\n`;
    this.check(lines);
  }

  /**
   * Signs of life besides text: a hash of the whole picture (graphical menus leave the VGA text
   * memory untouched) and the bytes read from disk (a loader reading a kernel may show nothing).
   */
  setActivity(screenHash: string, diskReadBytes: number): void {
    if (screenHash === this.screenHash && diskReadBytes === this.diskReadBytes) return;
    this.screenHash = screenHash;
    this.diskReadBytes = diskReadBytes;
    this.lastActivity = Date.now();
  }

  /** Ends the boot with END unless an outcome is already known. */
  finish(end: BootEnd): void {
    this.end ??= end;
    this.stop();
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
      if (this.end !== null) break;
      this.noteGrubMenu(line);
      this.recordMilestone(line);
      if (this.goal.expect?.test(line)) {
        this.matched = line;
        this.finish('passed');
      } else if (this.goal.failOn.test(line)) {
        this.finish('failure');
      }
    }
    void this.flush();
  }

  /** The later of GRUB's two lines in LINE (a serial line may hold a whole menu redraw) decides. */
  private noteGrubMenu(line: string): void {
    const booting = line.lastIndexOf(GRUB_BOOTING);
    const menu = line.lastIndexOf(GRUB_MENU);
    if (booting !== menu) this.entryChosen = booting > menu;
  }

  private recordMilestone(line: string): void {
    const milestone = parseMilestone(line);
    if (milestone === null || !isLater(milestone, this.milestone)) return;
    const seconds = Math.round((Date.now() - this.started) / 100) / 10;
    this.milestones.push({ milestone, seconds, line: line.trim() });
    const until = this.goal.until;
    if (until !== undefined && !isLater(until, milestone)) {
      this.matched = line.trim();
      this.finish('passed');
    }
  }
}
