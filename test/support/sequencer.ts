import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { LIVE_BUILD_READERS } from './fixtures.ts';

/**
 * vitest's own order, with the files that read a live-build fixture last: the global set-up builds
 * the fixtures while the other files run, so a cold run does not wait for live-build first.
 */
export default class FixturesLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const reads = (file: TestSpecification) =>
      (LIVE_BUILD_READERS as readonly string[]).includes(relative(root, file.moduleId));
    return [...sorted.filter((file) => !reads(file)), ...sorted.filter(reads)];
  }
}
