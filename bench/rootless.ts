/**
 * npm run bench:rootless [-- --rounds MAX] [-- --min-rounds N]: issue 23's cost of rootless mode.
 * The same recipe (a local .deb, a script, a file; no downloads, so the network adds no noise) is
 * built by block reuse on live-build's Debian ISO by root and by an ordinary user with a
 * subordinate id range, in interleaved rounds (root, user, user, root), the page cache dropped
 * before each, until the ratio's 95 % interval is within ±3 % or MAX rounds. Prints each stage's
 * median and range and the ratio; writes docs/bench-rootless.json and the README's
 * bench:rootless section. Run as root on an otherwise idle machine.
 */
import { chmod, copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { installPackedIsoforge } from '../scripts/pack-install.ts';
import { runCommand } from '../src/tools/exec.ts';
import { makeTestDeb } from '../test/support/deb.ts';
import { BOOKWORM_HYBRID, ensureLiveBuildIso } from '../test/support/live-build.ts';
import { ensureRootlessUser, ROOTLESS_USER } from '../test/support/rootless-user.ts';
import { inFreshDir, readBuildRun } from './build-runs.ts';
import { argument, readCommit } from './cli-args.ts';
import { isNarrow } from './ratio-interval.ts';
import { dropPageCache } from './remaster-runs.ts';
import { renderRootlessSection, rootlessInterval, type RootlessResults } from './rootless-report.ts';
import type { BuildRun } from './scale-report.ts';

const RESULTS_FILE = 'docs/bench-rootless.json';
const BENCH_DIR = '/var/tmp/isoforge-bench-rootless';
const DEB = 'isoforge-bench-driver_1.0_all.deb';
const RECIPE = `input: ../live.iso
output: out.iso
layers:
  filesystem:
    steps:
      - debs: [${DEB}]
      - run: echo bench > /etc/isoforge-release
      - file: { dest: /etc/isoforge-bench, content: "one file\\n" }
`;

async function timedBuild(bin: string, dir: string, asUser: boolean): Promise<BuildRun> {
  await writeFile(join(dir, 'recipe.yaml'), RECIPE);
  // A step's files must lie in the recipe's folder.
  await copyFile(join(dir, '..', 'debs', DEB), join(dir, DEB));
  await runCommand(['chmod', '-R', 'a+rX', dir]);
  const args = ['build', 'recipe.yaml', '--workdir', join(dir, 'work'), '--json', '--force', '--no-cache'];
  const argv = asUser ? ['runuser', '-u', ROOTLESS_USER, '--', bin, ...args] : [bin, ...args];
  const started = performance.now();
  const { stdout } = await runCommand(argv, {
    cwd: dir,
    env: { ISOFORGE_NO_CACHE: '1', HOME: dir, TMPDIR: dir },
  });
  return readBuildRun(stdout, (performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const rounds = { min: Number(argument('min-rounds', '3')), max: Number(argument('rounds', '8')) };
  await runCommand(['bash', 'scripts/build.sh']);
  const { restore } = await ensureRootlessUser();
  try {
    // Below a folder the user can reach (root's cache is 0700), with isoforge installed as users
    // install it (npm pack), which both sides run: the checkout may sit where only root reaches.
    const benchDir = BENCH_DIR;
    await rm(benchDir, { recursive: true, force: true });
    await mkdir(benchDir, { recursive: true });
    await chmod(benchDir, 0o755);
    const { bin } = await installPackedIsoforge(benchDir);
    const live = join(benchDir, 'live.iso');
    await copyFile(await ensureLiveBuildIso(BOOKWORM_HYBRID), live);
    await rm(join(benchDir, 'debs'), { recursive: true, force: true });
    await mkdir(join(benchDir, 'debs'));
    await makeTestDeb(join(benchDir, 'debs'), 'isoforge-bench-driver', '1.0', {
      path: 'usr/share/isoforge-bench-driver/firmware.bin',
      content: 'firmware\n',
    });
    await runCommand(['chmod', '-R', 'a+rX', benchDir]);
    const results: RootlessResults = {
      measuredAt: new Date().toISOString(),
      commit: await readCommit(),
      machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
      loadAverage: { start: loadavg()[0] ?? 0, end: 0 },
      medium: { name: BOOKWORM_HYBRID.name, isoBytes: (await stat(live)).size },
      pageCacheDropped: true,
      root: [],
      rootless: [],
    };
    for (let round = 1; round <= rounds.max; round++) {
      for (const side of ['root', 'rootless', 'rootless', 'root'] as const) {
        results.pageCacheDropped = (await dropPageCache()) && results.pageCacheDropped;
        // The user's build writes in it; what it leaves belongs to its subordinate ids: root removes it.
        const run = await inFreshDir(benchDir, (dir) => timedBuild(bin, dir, side === 'rootless'), 0o777);
        results[side].push(run);
        process.stderr.write(`bench:rootless round ${round}: ${side} ${run.wall.toFixed(2)} s\n`);
      }
      const interval = rootlessInterval(results);
      if (interval)
        process.stderr.write(
          `bench:rootless: ratio ${interval.mid.toFixed(3)} (${interval.low.toFixed(3)} to ${interval.high.toFixed(3)})\n`,
        );
      if (round >= rounds.min && isNarrow(interval, 0.03)) break;
    }
    results.loadAverage.end = loadavg()[0] ?? 0;
    await writeFile(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    await writeReadmeSection(results);
    process.stdout.write(`${renderRootlessSection(results)}\n`);
  } finally {
    await restore();
  }
}

async function writeReadmeSection(results: RootlessResults): Promise<void> {
  const readme = await readFile('README.md', 'utf8');
  const marked = /<!-- bench:rootless -->\n\n[\s\S]*?\n<!-- \/bench:rootless -->/;
  if (!marked.test(readme)) throw new Error('README.md has no <!-- bench:rootless --> section');
  await writeFile(
    'README.md',
    readme.replace(
      marked,
      `<!-- bench:rootless -->\n\n${renderRootlessSection(results)}\n<!-- /bench:rootless -->`,
    ),
  );
}

if (process.argv[1]?.endsWith('rootless.ts')) await main();
