import type { ReadmeConstant } from './unmarked.ts';

/**
 * Quantities the README states that nobody measures: limits and defaults in isoforge's code, rules of
 * a format, and the sizes a bench is built to. Anything else with a unit is a figure and lives in a
 * marked section (scripts/figures/unmarked.ts).
 */
export const README_CONSTANTS: readonly ReadmeConstant[] = [
  {
    text: 'for files up to 16 MiB',
    why: "diff's limit for comparing El Torito images by content (CONTENT_LIMIT, src/diff/files.ts)",
  },
  { text: 'first and last 64 KiB', why: 'how much of a large unlisted file diff samples at each end' },
  {
    text: 'two 2 GB-class ISOs',
    why: "the size bench/diff.ts builds its inputs to (BIG_BYTES), as Ubuntu's",
  },
  { text: 'the same 1.9 GiB', why: 'BIG_BYTES in bench/diff.ts' },
  { text: 'an input of 512 MiB or more', why: 'FOLLOW_WRITE_FROM_BYTES in src/pipeline/stage-context.ts' },
  { text: 'one 2 KiB ISO block each', why: 'the ISO 9660 block size libisofs reads a mapped file in' },
  { text: 'in 2 KiB reads, each handed', why: 'the ISO 9660 block size libisofs reads a mapped file in' },
  { text: 'made (8 MiB or more)', why: 'SPLICE_FROM_BYTES in src/pipeline/stage-context.ts' },
  { text: 'fsyncs every 16 MB', why: "xorriso's -stdio_sync default" },
  {
    text: 'cost on a 2 GB-class medium',
    why: 'the size bench/scale.ts grows its medium to (--bulk-mib, 2048 by default), as the issue asks',
  },
  { text: 'for images under 1 GiB', why: 'xorriso reports another disk geometry above that size' },
  { text: 'for 45 s longer', why: "boot-test's default wait at a menu past its longest timeout" },
  { text: 'so 45 s)', why: "boot-test's default wait at a menu past its longest timeout" },
  { text: 'no 2 GB copy', why: 'the size of an Ubuntu Server ISO, the copy other tools make' },
  { text: 'instead of a 2 GB copy', why: 'the size of an Ubuntu Server ISO, the copy other tools make' },
  {
    text: 'must be 64 bytes to 4 MiB, and all 16 bytes',
    why: "libisofs's rule for a boot info table (fs_image.c)",
  },
  { text: 'Files of 4 GiB', why: "ISO 9660's largest single extent" },
  { text: 'SIGKILL after 5 s', why: "the grace period before a step's process group is killed" },
  { text: 'unpacked layer sizes with 10%', why: "estimateBuildSpace's margin" },
  { text: '64 MiB headroom', why: "estimateBuildSpace's headroom" },
  { text: 'a 32 MiB tmpfs', why: "the size of the test's work dir" },
  { text: '(180 s by default)', why: "boot-test's default timeout" },
  {
    text: 'judged on the whole 95 % interval',
    why: "the benches' confidence level (bench/ratio-interval.ts)",
  },
  { text: 'the 200 MB+ layer', why: 'the layer size from which the issue judges its bench targets' },
];
