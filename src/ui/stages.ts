import { Listr } from 'listr2';
import { log } from './log.ts';

/** What a running stage can tell the user: a line of output (chroot, tools) or a percentage. */
export interface StageReporter {
  say(line: string): void;
  progress(percent: number): void;
}

export interface Stage {
  title: string;
  run(reporter: StageReporter): Promise<void>;
}

export interface StageTiming {
  title: string;
  seconds: number;
}

const BAR_WIDTH = 30;

function bar(percent: number): string {
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${percent.toFixed(0).padStart(3)}%`;
}

/** The part of a listr2 task a stage writes to. */
interface TaskOutput {
  output: string;
  title: string;
}

function reporterFor(task: TaskOutput, title: string, interactive: boolean): StageReporter {
  let lastStep = -1;
  return {
    say(line) {
      log.info({ stage: title }, line);
      task.output = `| ${line}`;
    },
    progress(percent) {
      // A terminal redraws the bar in place; a log gets one line per 10%.
      const step = Math.floor(percent / 10);
      if (!interactive && step === lastStep) return;
      lastStep = step;
      task.output = bar(percent);
    },
  };
}

/**
 * Runs STAGES in order with a listr2 display (a live list on a terminal, plain lines otherwise),
 * logs each with its elapsed time, and returns the timings. The first failure stops the run.
 */
export async function runStages(
  stages: readonly Stage[],
  options: { quiet?: boolean; liveProgress?: boolean; onTiming?: (timing: StageTiming) => void } = {},
): Promise<StageTiming[]> {
  const timings: StageTiming[] = [];
  const interactive = Boolean(process.stderr.isTTY) && (options.liveProgress ?? true);
  const list = new Listr(
    stages.map((stage) => ({
      title: stage.title,
      task: async (_ctx: unknown, task: TaskOutput) => {
        const started = performance.now();
        log.info({ stage: stage.title }, 'stage started');
        try {
          await stage.run(reporterFor(task, stage.title, interactive));
        } finally {
          const seconds = (performance.now() - started) / 1000;
          timings.push({ title: stage.title, seconds });
          options.onTiming?.({ title: stage.title, seconds });
          log.info({ stage: stage.title, seconds }, 'stage finished');
        }
        task.title = `${stage.title} (${(timings.at(-1)?.seconds ?? 0).toFixed(1)}s)`;
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      // listr2 would exit(127) on SIGINT itself; main.ts turns signals into an abort that unwinds mounts.
      registerSignalListeners: false,
      renderer: options.quiet ? 'silent' : interactive ? 'default' : 'simple',
      fallbackRenderer: 'simple',
      rendererOptions: { outputBar: 3, persistentOutput: false },
    } as ConstructorParameters<typeof Listr>[1],
  );
  await list.run();
  return timings;
}

/**
 * Runs one stage at a time, so each stage is a typed function whose result the next one takes
 * (no shared state); the timings of every stage run so far are kept in order.
 */
export class StageRunner {
  readonly timings: StageTiming[] = [];

  constructor(private readonly options: { quiet?: boolean; liveProgress?: boolean } = {}) {}

  /**
   * Runs WORK as the stage TITLE. SHOWN false keeps it off the display (a check that says nothing
   * unless it fails, a lookup whose one line the CLI says); TIMED false keeps it out of the timings
   * the report shows.
   */
  async run<T>(
    title: string,
    work: (reporter: StageReporter) => Promise<T>,
    { shown = true, timed = true }: { shown?: boolean; timed?: boolean } = {},
  ): Promise<T> {
    let result: { value: T } | undefined;
    await runStages([{ title, run: async (reporter) => void (result = { value: await work(reporter) }) }], {
      ...this.options,
      quiet: this.options.quiet || !shown,
      onTiming: (timing) => {
        if (timed) this.timings.push(timing);
      },
    });
    if (!result) throw new Error(`stage ${title} finished without a result`);
    return result.value;
  }

  /** A stage that checks or prepares: off the display and out of the timings (it says nothing unless it fails). */
  check<T>(title: string, work: (reporter: StageReporter) => Promise<T>): Promise<T> {
    return this.run(title, work, { shown: false, timed: false });
  }
}
