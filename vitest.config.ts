import { defineConfig } from 'vitest/config';
import FixturesLastSequencer from './test/support/sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests share loop devices, mounts and the sample cache: run files one at a time.
    fileParallelism: false,
    // The sample ISO is built once here (keyed by its sources), never inside a test's timeout.
    globalSetup: ['test/support/global-setup.ts'],
    // The files that read a live-build fixture run last, while the global set-up builds it.
    sequence: { sequencer: FixturesLastSequencer },
    testTimeout: 120_000,
    // Concurrent tests are QEMU boots (it.concurrent): as many at once as the machine has cores.
    maxConcurrency: 2,
    hookTimeout: 1_800_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // GitHub's workflow parser imports its schema JSON without an import attribute: let vite load it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
