import { runCommand } from '../../src/tools/exec.ts';
import { readFromLayer } from './layer.ts';

/**
 * The kernel ABI (6.1.0-NN-amd64) that linux-image-amd64 depends on in the suite the sample's
 * layers use (LAYER's /etc/apt/sources.list), as the host's apt (same Debian archive) sees it today:
 * tests that install a real kernel find it here, so they do not rot.
 */
export async function discoverKernelVersion(iso: string, layer: string): Promise<string> {
  const sources = await readFromLayer(iso, layer, 'etc/apt/sources.list');
  const suite = /^deb\s+\S+\s+(\S+)\s+main/m.exec(sources)?.[1];
  if (!suite) throw new Error(`no "deb URI SUITE main" line in the sample's sources.list:\n${sources}`);
  const madison = (await runCommand(['apt-cache', 'madison', 'linux-image-amd64'])).stdout;
  const meta = new RegExp(`^\\s*linux-image-amd64\\s*\\|\\s*(\\S+)\\s*\\|.* ${suite}/main `, 'm').exec(
    madison,
  );
  if (!meta) throw new Error(`the host's apt has no linux-image-amd64 from ${suite}/main:\n${madison}`);
  const show = (await runCommand(['apt-cache', 'show', `linux-image-amd64=${meta[1]}`])).stdout;
  const abi = /^Depends:.*\blinux-image-(\d[^\s,]*)/m.exec(show)?.[1];
  if (!abi) throw new Error(`linux-image-amd64 ${meta[1]} depends on no linux-image-VERSION:\n${show}`);
  return abi;
}
