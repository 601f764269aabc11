import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIVE_BUILD_READERS } from '../../support/fixtures.ts';

// A file missing from the list runs before the global set-up has built the fixture, and waits for
// it inside its own timeout (a cold run's splice test timed out so); a stale entry hides nothing.
const READS_FIXTURE = /\b(?:suiteLiveBuildIsos|ensureLiveBuildIso|waitForLiveBuildIso)\b/;

describe('LIVE_BUILD_READERS', () => {
  it('lists exactly the test files that read a live-build fixture', async () => {
    const files = (await readdir('test', { recursive: true }))
      .filter((file) => file.endsWith('.test.ts'))
      .map((file) => join('test', file));
    const readers: string[] = [];
    for (const file of files) if (READS_FIXTURE.test(await readFile(file, 'utf8'))) readers.push(file);
    // Unit tests (this one names the functions too) read no fixture.
    expect([...LIVE_BUILD_READERS].sort()).toEqual(readers.filter((file) => !file.includes('/unit/')).sort());
  });
});
