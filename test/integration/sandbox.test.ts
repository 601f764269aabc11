import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/tools/exec.ts';
import { runIsoforge } from '../support/cli.ts';
import { ensureSampleIso } from '../support/sample.ts';

// Issue 23: every step runs in a bubblewrap sandbox. A hostile step cannot reach the host's processes,
// mounts or host name; what a step leaves running ends with it and the report names it; a step with
// `network: none` has a loopback of its own. Each check is made from outside, with the host's tools.
const TIMEOUT = 900_000;
const BIN = new URL('../../bin/isoforge', import.meta.url).pathname;
let dir: string;
let sample: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-sandbox-'));
  sample = await ensureSampleIso();
}, TIMEOUT);

const pgrep = async (pattern: string) =>
  (await runCommand(['pgrep', '-f', pattern], { okExitCodes: [1] })).stdout.trim();
const mountsAt = async (target: string) =>
  (await runCommand(['findmnt', '-rn', '-o', 'TARGET,SOURCE,FSTYPE', target], { okExitCodes: [1] })).stdout;

async function writeRecipe(name: string, steps: string): Promise<string> {
  const recipe = join(dir, `${name}.yaml`);
  const header = `input: ${sample}\noutput: ${name}.iso\nlayers:\n  ubuntu-server-minimal:\n    steps:\n`;
  await writeFile(recipe, header + steps);
  return recipe;
}

describe('a hostile step', () => {
  let bystander: ChildProcess;
  afterAll(() => bystander?.kill('SIGKILL'));

  it(
    'reaches neither the processes, the mounts nor the host name of the machine',
    async () => {
      const recipe = await writeRecipe(
        'hostile',
        [
          '      - run: |',
          '          hostname evil || echo "hostname: refused"',
          '          mount -t tmpfs isoforge-hostile /mnt || echo "mount: refused"',
          '          echo evil > /proc/sys/kernel/hostname || echo "proc: refused"',
          '          kill -9 -1',
          '',
        ].join('\n'),
      );
      bystander = spawn('sleep', ['3600'], { stdio: 'ignore' });
      const hostnameBefore = hostname();
      const mntBefore = await mountsAt('/mnt');
      // The build itself in a throwaway PID, mount and UTS namespace: a broken sandbox's kill -9 -1
      // or hostname would end there, not on the machine running the suite.
      const run = await execa(
        'unshare',
        [
          '--pid',
          '--fork',
          '--mount-proc',
          '--mount',
          '--uts',
          BIN,
          'build',
          recipe,
          '--workdir',
          join(dir, 'work-hostile'),
        ],
        { reject: false, env: { NO_COLOR: '1' } },
      );
      expect(run.exitCode).toBe(5);
      expect(run.stderr).toMatch(/^isoforge: error: sh was killed by SIGKILL/m);
      expect(`${run.stdout}\n${run.stderr}`).toContain('hostname: refused');
      expect(`${run.stdout}\n${run.stderr}`).toContain('mount: refused');
      expect(bystander.exitCode).toBeNull();
      expect(() => process.kill(bystander.pid as number, 0)).not.toThrow();
      expect(hostname()).toBe(hostnameBefore);
      expect((await readFile('/proc/sys/kernel/hostname', 'utf8')).trim()).toBe(hostnameBefore);
      expect(await mountsAt('/mnt')).toBe(mntBefore);
      expect((await runCommand(['findmnt', '-rn', '-o', 'SOURCE'])).stdout).not.toContain('isoforge-hostile');
      await expect(access(join(dir, 'hostile.iso'))).rejects.toThrow();
    },
    TIMEOUT,
  );
});

describe('what a step leaves running, and its network', () => {
  let server: Server;
  let connections = 0;
  let port = 0;

  beforeAll(async () => {
    server = createServer((socket) => {
      connections++;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it(
    'ends a daemon with its step and names it in the report; network: none has a loopback of its own',
    async () => {
      const tryPort = `if bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}'; then echo "NET:$0:reached"; else echo "NET:$0:unreachable"; fi`;
      const recipe = await writeRecipe(
        'leftover',
        [
          '      - run: |',
          '          sleep 1000 &',
          '          echo "daemon started"',
          '      - run: |',
          `          sh -c '${tryPort.replaceAll("'", "'\\''")}' none`,
          '        network: none',
          '      - run: |',
          `          sh -c '${tryPort.replaceAll("'", "'\\''")}' host`,
          '',
        ].join('\n'),
      );
      const run = await runIsoforge(['build', recipe, '--workdir', join(dir, 'work-leftover')]);
      const output = `${run.stdout}\n${run.stderr}`;
      expect(run.exitCode, output).toBe(0);
      expect(await pgrep('sleep 1000')).toBe('');
      const report = JSON.parse(await readFile(join(dir, 'leftover.report.json'), 'utf8')) as {
        layers: { name: string; ended?: { step: string; command: string }[] | null }[];
      };
      const layer = report.layers.find((l) => l.name === 'ubuntu-server-minimal');
      expect(layer?.ended).toEqual([
        expect.objectContaining({ command: 'sleep', step: 'run: sleep 1000 &' }),
      ]);
      const html = await readFile(join(dir, 'leftover.report.html'), 'utf8');
      expect(html).toContain('Processes ended with their step');
      expect(output).toContain('NET:none:unreachable');
      expect(output).toContain('NET:host:reached');
      expect(connections).toBe(1);
    },
    TIMEOUT,
  );
});
