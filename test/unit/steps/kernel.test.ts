import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../src/steps/kernel.ts';

// Real `apt-cache policy bash linux-image-amd64 linux-image-generic linux-modules-6.1.0-50-amd64`
// output of a Debian 12 host: installed, available only, known without candidate, unknown.
const POLICY = await readFile(new URL('../../fixtures/apt/policy-bookworm.txt', import.meta.url), 'utf8');

describe('parsePolicy', () => {
  it.each([
    ['bash', { installed: true, available: true }],
    ['linux-image-amd64', { installed: false, available: true }],
    ['linux-image-generic', { installed: false, available: false }],
    ['linux-modules-6.1.0-50-amd64', { installed: false, available: false }],
  ])('%s', (name, expected) => {
    expect(parsePolicy(POLICY, name)).toEqual(expected);
  });

  it('does not take a longer name for a shorter one', () => {
    expect(parsePolicy(POLICY, 'linux-image')).toEqual({ installed: false, available: false });
  });
});
