import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildImage } from '../../scripts/image.ts';
import { runCommand } from '../../src/tools/exec.ts';
import { isoFile } from '../support/iso-file.ts';
import { readFromLayer } from '../support/layer.ts';
import { ensureSampleIso } from '../support/sample.ts';

// isoforge's OCI image (Containerfile), built by podman from Debian's archive as `npm run image`
// builds it, then run as users run it: an ordinary container for what needs no mounts, a
// privileged one for a layer change, and the Kubernetes Job example's pod under podman kube play.
const IMAGE = 'localhost/isoforge:test';
const TOP = 'ubuntu-server-minimal.ubuntu-server';
let dir: string;

function podman(args: readonly string[], okExitCodes: readonly number[] = []) {
  return runCommand(['podman', ...args], { okExitCodes });
}

/** `podman run` of the image with DIR as /work; extra podman flags first. */
function runImage(flags: readonly string[], args: readonly string[], okExitCodes: readonly number[] = []) {
  return podman(['run', '--rm', ...flags, '--volume', `${dir}:/work`, IMAGE, ...args], okExitCodes);
}

beforeAll(async () => {
  dir = await mkdtemp('/tmp/isoforge-container-');
  await copyFile(await ensureSampleIso(), join(dir, 'sample.iso'));
  await buildImage({ tag: IMAGE, onLine: (line) => process.stderr.write(`image: ${line}\n`) });
}, 1_200_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the container image', () => {
  it('holds the package and the programs it runs: doctor finds every required one, inspect reads the sample', async () => {
    const doctor = JSON.parse((await runImage([], ['doctor', '--json'])).stdout) as {
      checks: { name: string; status: string; optional?: boolean }[];
    };
    const required = ['xorriso', 'mksquashfs', 'unsquashfs', 'gpg', 'mcopy', 'mkfs.vfat', 'sfdisk'];
    for (const name of required)
      expect(doctor.checks.find((check) => check.name === name)?.status, name).toBe('ok');
    const inspect = JSON.parse((await runImage([], ['inspect', 'sample.iso', '--json'])).stdout) as {
      layers: { name: string }[];
    };
    expect(inspect.layers.map((layer) => layer.name)).toContain(TOP);
  });

  it('builds a medium-only variant as an ordinary container (no --privileged, no devices) onto a volume', async () => {
    await writeFile(
      join(dir, 'medium.yaml'),
      'input: sample.iso\noutput: out/site.iso\niso:\n  diskInfo: "Fleet {{ SITE }}"\n' +
        "  cmdline: { add: ['isoforge.site={{ SITE }}'] }\nvariants:\n  alpha: { vars: { SITE: alpha } }\n" +
        '  beta: { vars: { SITE: beta } }\n',
    );
    const run = await runImage([], ['build', 'medium.yaml', '--variant', 'beta']);
    expect(run.stdout).toContain('wrote /work/out/site-beta.iso (verified)');
    const iso = join(dir, 'out/site-beta.iso');
    expect(await isoFile(iso, '/.disk/info')).toBe('Fleet beta\n');
    expect(await isoFile(iso, '/boot/grub/grub.cfg')).toContain('isoforge.site=beta');
    expect(await readdir(join(dir, 'out'))).not.toContain('site-alpha.iso');
  });

  it('refuses a layer build in an ordinary container in one line, exit 3, before any work', async () => {
    await writeFile(join(dir, 'layer.yaml'), layerRecipe('out/refused.iso'));
    const run = await runImage([], ['build', 'layer.yaml', '--workdir', 'refused-work'], [3]);
    expect(run.exitCode).toBe(3);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^isoforge: error: customizing layers .*no CAP_SYS_ADMIN.*--privileged/),
    ]);
    const written = await readdir(dir);
    expect(written).not.toContain('refused-work');
    expect(await readdir(join(dir, 'out'))).not.toContain('refused.iso');
  });

  it('builds a layer change in a privileged container, the work dir on the volume', async () => {
    await writeFile(join(dir, 'layer.yaml'), layerRecipe('out/layer.iso'));
    await runImage(['--privileged'], ['build', 'layer.yaml', '--workdir', 'layer-work']);
    expect(await readFromLayer(join(dir, 'out/layer.iso'), TOP, '/etc/isoforge-release')).toBe('container\n');
  });

  it("runs the Kubernetes Job example's pod under podman kube play: one variant by its completion index", async () => {
    const fleet = join(dir, 'fleet');
    await mkdir(join(fleet, 'out'), { recursive: true });
    await cp(resolve('examples'), join(fleet, 'examples'), { recursive: true });
    await copyFile(join(dir, 'sample.iso'), join(fleet, 'out/sample.iso'));
    await mkdir(join(dir, 'cache'));
    const job = parse(await readFile('examples/ci/k8s-fleet-job.yaml', 'utf8')) as IndexedJob;
    const pod = podOfIndexedJob(job, 1, { fleet, cache: join(dir, 'cache') });
    await writeFile(join(dir, 'pod.yaml'), stringify(pod));
    const container = `${pod.metadata.name}-${pod.spec.containers[0]?.name ?? ''}`;
    try {
      await podman(['kube', 'play', '--replace', join(dir, 'pod.yaml')]);
      expect((await podman(['wait', container])).stdout.trim()).toBe('0');
      const logs = await podman(['logs', container]);
      expect(logs.stdout).toContain('wrote /fleet/out/fleet-site-b.iso (verified)');
    } finally {
      await podman(['pod', 'rm', '--force', pod.metadata.name], [1, 2]);
    }
    const iso = join(fleet, 'out/fleet-site-b.iso');
    expect(await isoFile(iso, '/.disk/info')).toBe('Fleet beta\n');
    expect(await readFromLayer(iso, TOP, '/etc/isoforge-release')).toBe('fleet\n');
    expect(await readdir(join(dir, 'cache/layers'))).not.toEqual([]);
  });
});

function layerRecipe(output: string): string {
  return `input: sample.iso\noutput: ${output}\nlayers:\n  ${TOP}:\n    steps:\n      - run: echo container > /etc/isoforge-release\n`;
}

interface PodSpec {
  containers: { name: string; image: string; env?: { name: string; value: string }[] }[];
  volumes: { name: string; [source: string]: unknown }[];
}

interface IndexedJob {
  metadata: { name: string };
  spec: { template: { spec: PodSpec } };
}

/**
 * The pod the Job controller makes for completion INDEX: the template's spec, with
 * JOB_COMPLETION_INDEX set, as Kubernetes sets it. With no cluster here, the image is the one built
 * by this test and the claims become host folders (emptyDir stays).
 */
function podOfIndexedJob(job: IndexedJob, index: number, claims: Record<string, string>) {
  const spec = job.spec.template.spec;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${job.metadata.name}-${index}` },
    spec: {
      ...spec,
      containers: spec.containers.map((container) => ({
        ...container,
        image: IMAGE,
        env: [...(container.env ?? []), { name: 'JOB_COMPLETION_INDEX', value: String(index) }],
      })),
      volumes: spec.volumes.map((volume) =>
        volume.name in claims
          ? { name: volume.name, hostPath: { path: claims[volume.name], type: 'Directory' } }
          : volume,
      ),
    },
  };
}
