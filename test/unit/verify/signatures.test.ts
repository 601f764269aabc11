import { describe, expect, it } from 'vitest';
import type { GpgVerification } from '../../../src/tools/gpg.ts';
import { judgeSignature } from '../../../src/verify/signatures.ts';

const FPR = '37A5278D625AB986438C55C5AE86ED9A74CDCA44';
const unknownKey: GpgVerification = {
  verdict: 'unknown-key',
  valid: false,
  keyId: FPR.slice(-16),
  fingerprint: FPR,
  detail: `key ${FPR} not in keyring`,
};

describe('judgeSignature', () => {
  it('an unchanged layer signed by a key not in the keyring is not checked, never failed', () => {
    expect(judgeSignature('signature /casper/a.squashfs.gpg', unknownKey, false)).toEqual({
      name: 'signature /casper/a.squashfs.gpg',
      outcome: 'not checked',
      detail: `key not in keyring: ${FPR}`,
    });
  });

  it('a changed layer whose signature no key in the keyring made fails: the signature is stale', () => {
    expect(judgeSignature('signature /casper/a.squashfs.gpg', unknownKey, true)).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(/the layer changed but its signature is by 37A5.*a stale signature/),
    });
  });

  it.each([
    ['good', 'ok'],
    ['expired-key', 'ok'],
    ['bad', 'failed'],
    ['revoked-key', 'failed'],
    ['error', 'failed'],
  ] as const)('%s -> %s', (verdict, outcome) => {
    const result: GpgVerification = { verdict, valid: verdict === 'good', detail: verdict };
    expect(judgeSignature('s', result, false).outcome).toBe(outcome);
  });
});
