import { resolve } from 'node:path';
import type { Recipe } from '../recipe/schema.ts';
import { DEFAULT_CACHE_LIMIT, layerCacheDir, parseSize } from '../cache/layer-cache.ts';
import { InputError } from '../errors.ts';

export const DEFAULT_WORK_DIR = './.isoforge-work';

/** What the command line says of a build. */
export interface BuildFlags {
  recipe: string;
  iso?: string;
  out?: string;
  workDir?: string;
  force?: boolean;
  dryRun?: boolean;
  bootSetup?: 'replay' | 'explicit';
  quiet?: boolean;
  keepWorkDir?: boolean;
  report?: string;
  noCache?: boolean;
}

/** The environment variables a build reads, and only those. */
export interface BuildEnvironment {
  ISOFORGE_CACHE_DIR?: string;
  ISOFORGE_CACHE_LIMIT?: string;
  ISOFORGE_NO_CACHE?: string;
  SOURCE_DATE_EPOCH?: string;
  XDG_CACHE_HOME?: string;
  /** Set by CI engines: progress is printed as plain lines, never redrawn. */
  CI?: string;
  /** The terminal type an interactive step's shell gets. */
  TERM?: string;
}

/**
 * One build's settings, resolved once from flags, environment and recipe (flags win over the recipe,
 * the recipe over the environment) and frozen: every stage reads this, none reads process.env.
 */
export interface BuildConfig {
  readonly recipePath: string;
  /** --iso and --out: the recipe's input and output unless given. */
  readonly iso?: string;
  readonly out?: string;
  readonly workDir: string;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly quiet: boolean;
  readonly keepWorkDir: boolean;
  readonly bootSetup: 'replay' | 'explicit';
  readonly reportPath?: string;
  /**
   * `all`: the layer and build caches are read and filled; `records`: only the records of earlier
   * reproducible builds are kept (--no-cache); `none` (ISOFORGE_NO_CACHE): the folder is left alone.
   */
  readonly cache: {
    readonly use: 'all' | 'records' | 'none';
    readonly dir: string;
    readonly limitBytes: number;
  };
  /** Reproducible builds: the recipe's sourceDateEpoch, else SOURCE_DATE_EPOCH, else none. */
  readonly sourceDateEpoch?: number;
  /** liveProgress: redraw the stage list on a terminal (not under CI); term: TERM for a shell step. */
  readonly terminal: { readonly liveProgress: boolean; readonly term: string };
}

/** What a run gives a build besides its settings: how to stop it and where its notices go. */
export interface BuildRun {
  signal?: AbortSignal;
  onNotice?: (line: string) => void;
}

/** A build's settings and its run, as the stages take them. */
export type BuildOptions = BuildConfig & BuildRun;

export function resolveBuildConfig(flags: BuildFlags, env: BuildEnvironment, recipe: Recipe): BuildConfig {
  const limit = recipe.cacheLimit
    ? parseSize(recipe.cacheLimit, 'cacheLimit')
    : env.ISOFORGE_CACHE_LIMIT
      ? parseSize(env.ISOFORGE_CACHE_LIMIT, 'ISOFORGE_CACHE_LIMIT')
      : DEFAULT_CACHE_LIMIT;
  const use = env.ISOFORGE_NO_CACHE ? 'none' : flags.noCache ? 'records' : 'all';
  return deepFreeze({
    recipePath: flags.recipe,
    iso: flags.iso,
    out: flags.out,
    workDir: resolve(flags.workDir ?? DEFAULT_WORK_DIR),
    force: flags.force ?? false,
    dryRun: flags.dryRun ?? false,
    quiet: flags.quiet ?? false,
    keepWorkDir: flags.keepWorkDir ?? false,
    bootSetup: flags.bootSetup ?? recipe.bootSetup,
    reportPath: flags.report,
    cache: { use, dir: layerCacheDir(env), limitBytes: limit },
    sourceDateEpoch: recipe.sourceDateEpoch ?? readSourceDateEpoch(env.SOURCE_DATE_EPOCH),
    terminal: { liveProgress: !env.CI, term: env.TERM || 'xterm' },
  });
}

function deepFreeze<T extends object>(value: T): T {
  for (const field of Object.values(value))
    if (field && typeof field === 'object') deepFreeze(field as object);
  return Object.freeze(value);
}

/** SOURCE_DATE_EPOCH as reproducible-builds.org defines it: unset or empty, else decimal seconds. */
export function readSourceDateEpoch(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,10}$/.test(text) || Number(text) > 2 ** 32 - 1)
    throw new InputError(`SOURCE_DATE_EPOCH='${text}' is not a time in seconds since 1970`, {
      hint: 'set it to a number such as $(git log -1 --format=%ct), or unset it',
    });
  return Number(text);
}
