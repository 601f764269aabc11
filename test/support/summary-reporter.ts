import { relative } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { formatTable } from '../../src/ui/table.ts';
import { ALLOWED_SKIPS } from './allowed-skips.ts';

/**
 * Prints the plain "N passed, N failed, N skipped" line that CI reads, the skips by name (allowed
 * ones with their reason), and each test file's wall time with its folder's total. A skip not in
 * ALLOWED_SKIPS fails the run, unless a -t filter chose which tests run.
 */
export default class SummaryReporter implements Reporter {
  private filtered = false;
  private root = process.cwd();

  onInit(vitest: Vitest): void {
    this.filtered = Boolean(vitest.config.testNamePattern);
    this.root = vitest.config.root;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else {
          counts.skipped++;
          skipped.push(test.fullName);
        }
      }
    }
    process.stdout.write(`\n${this.describeTimes(testModules)}\n`);
    const unexpected = this.filtered ? [] : skipped.filter((name) => !allowedReason(name));
    for (const name of skipped) {
      const reason = allowedReason(name);
      process.stdout.write(`skipped: ${name}${reason ? ` (allowed: ${reason})` : ''}\n`);
    }
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${unexpected.length} unexpected)\n`,
    );
    if (unexpected.length) process.exitCode = 1;
  }

  /** Each file's wall time, longest first, then one line per folder (unit, integration, e2e...). */
  private describeTimes(testModules: ReadonlyArray<TestModule>): string {
    const files = testModules
      .map((m) => ({ file: relative(this.root, m.moduleId), ms: m.diagnostic().duration }))
      .sort((a, b) => b.ms - a.ms);
    const folders = new Map<string, number>();
    for (const { file, ms } of files) {
      const folder = file.split('/').slice(0, 2).join('/');
      folders.set(folder, (folders.get(folder) ?? 0) + ms);
    }
    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    const total = files.reduce((sum, f) => sum + f.ms, 0);
    return [
      'time per test file (seconds):',
      formatTable([['file', 'seconds'], ...files.map((f) => [f.file, seconds(f.ms)])]),
      '',
      formatTable([
        ['folder', 'files', 'seconds'],
        ...[...folders].map(([folder, ms]) => [
          folder,
          String(files.filter((f) => f.file.startsWith(`${folder}/`)).length),
          seconds(ms),
        ]),
        ['all', String(files.length), seconds(total)],
      ]),
    ].join('\n');
  }
}

function allowedReason(fullName: string): string | undefined {
  return ALLOWED_SKIPS.find((skip) => fullName.includes(skip.test))?.reason;
}
