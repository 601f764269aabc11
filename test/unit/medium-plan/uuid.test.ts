import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutNamed, type MediumLayout } from '../../../src/distro/layouts/index.ts';
import type { LiveBootFiles } from '../../../src/layer/boot-files.ts';
import { makeMediumUuidChanges } from '../../../src/medium-plan/uuid.ts';
import type { BuildPlan } from '../../../src/pipeline/plan.ts';
import { runCommand } from '../../../src/tools/exec.ts';

const UUID = '6f1d2c3b-4a59-4e87-b6c5-d4e3f2a1b0c9';
let dir: string;

/** An initrd as mkinitramfs makes one (GNU cpio newc, gzip) holding FILES. */
async function makeInitrd(name: string, files: Record<string, string>): Promise<string> {
  const tree = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(tree, path, '..'), { recursive: true });
    await writeFile(join(tree, path), text);
  }
  const cpio = join(dir, `${name}.cpio`);
  await runCommand(['cpio', '--quiet', '-o', '-H', 'newc', '-D', tree, '-F', cpio], {
    input: `${Object.keys(files).join('\n')}\n`,
  });
  await runCommand(['gzip', '-n', cpio]);
  return `${cpio}.gz`;
}

/**
 * What makeMediumUuidChanges reads of a plan: the layout, the input's UUID files (path -> content)
 * and the initrds its menu entries boot.
 */
function planOf(
  layout: 'casper' | 'live',
  files: Record<string, string> | string[],
  initrds: string[] = ['/casper/initrd'],
): BuildPlan {
  const contents = Array.isArray(files) ? Object.fromEntries(files.map((f) => [f, 'old-uuid\n'])) : files;
  return {
    layout: layoutNamed(layout) as MediumLayout,
    original: { uuidFiles: Object.keys(contents), bootChains: initrds.map((initrd) => ({ initrd })) },
    mediumFiles: new Map(Object.entries(contents)),
  } as unknown as BuildPlan;
}

async function run(
  plan: BuildPlan,
  initrd: string,
  replacedUuid: string | null = 'old-uuid',
  isoInitrd = '/casper/initrd',
) {
  const put = new Map<string, string>();
  const said: string[] = [];
  const liveBoot: LiveBootFiles = {
    version: '6.1.0-1-amd64',
    kernel: join(dir, 'vmlinuz'),
    initrd,
    isoKernel: '/casper/vmlinuz',
    isoInitrd,
    replacedUuid,
  };
  await makeMediumUuidChanges(
    plan,
    liveBoot,
    async (path, text) => void put.set(path, text),
    (line) => void said.push(line),
  );
  return { put, said };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-medium-uuid-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('makeMediumUuidChanges', () => {
  it("writes the new initrd's conf/uuid.conf into every .disk/casper-uuid-* of the medium", async () => {
    const initrd = await makeInitrd('with-uuid', { init: '', 'conf/uuid.conf': `${UUID}\n` });
    const files = ['/.disk/casper-uuid-generic', '/.disk/casper-uuid-hwe-generic'];
    const { put, said } = await run(planOf('casper', files), initrd);
    expect([...put]).toEqual(files.map((file) => [file, `${UUID}\n`]));
    expect(said).toEqual([`${files.join(', ')}: ${UUID}, the casper UUID of the new /casper/initrd`]);
  });

  it("changes only the file holding the replaced initrd's UUID when the medium boots two (22.04.5)", async () => {
    const initrd = await makeInitrd('hwe', { init: '', 'conf/uuid.conf': `${UUID}\n` });
    const files = { '/.disk/casper-uuid-generic': 'uuid-a\n', '/.disk/casper-uuid-generic-hwe': 'uuid-b\n' };
    const plan = planOf('casper', files, ['/casper/initrd', '/casper/hwe-initrd']);
    const { put, said } = await run(plan, initrd, 'uuid-b', '/casper/hwe-initrd');
    expect([...put]).toEqual([['/.disk/casper-uuid-generic-hwe', `${UUID}\n`]]);
    expect(said).toEqual([
      `/.disk/casper-uuid-generic-hwe: ${UUID}, the casper UUID of the new /casper/hwe-initrd`,
    ]);
  });

  it('adds a file of its own when no file holds the replaced UUID and other initrds need theirs', async () => {
    const initrd = await makeInitrd('hwe-2', { init: '', 'conf/uuid.conf': `${UUID}\n` });
    const files = { '/.disk/casper-uuid-generic': 'uuid-a\n', '/.disk/casper-uuid-generic-hwe': 'uuid-b\n' };
    const plan = planOf('casper', files, ['/casper/initrd', '/casper/hwe-initrd']);
    const { put } = await run(plan, initrd, null, '/casper/hwe-initrd');
    expect([...put]).toEqual([['/.disk/casper-uuid-custom', `${UUID}\n`]]);
  });

  it('adds .disk/casper-uuid-custom when the medium has no UUID file (casper would refuse it)', async () => {
    const initrd = await makeInitrd('with-uuid-2', { init: '', 'conf/uuid.conf': `${UUID}\n` });
    const { put } = await run(planOf('casper', []), initrd);
    expect([...put]).toEqual([['/.disk/casper-uuid-custom', `${UUID}\n`]]);
  });

  it('keeps the files when the new initrd has no conf/uuid.conf (it boots any medium)', async () => {
    const initrd = await makeInitrd('no-uuid', { init: '' });
    const { put, said } = await run(planOf('casper', ['/.disk/casper-uuid-generic']), initrd);
    expect(put.size).toBe(0);
    expect(said).toEqual([
      'the new /casper/initrd has no conf/uuid.conf: it boots any medium, /.disk/casper-uuid-generic kept',
    ]);
  });

  it('reads nothing on a Debian live medium (live-boot checks no UUID)', async () => {
    const { put, said } = await run(planOf('live', []), join(dir, 'no-such-initrd'));
    expect([put.size, said]).toEqual([0, []]);
  });
});
