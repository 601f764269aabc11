import { runCommand } from './exec.ts';

// Debian package tools: apt-get download, apt-cache, dpkg-deb, depmod/modprobe.

/** Downloads PACKAGES (exact names) as .deb files into DIR with the host's apt sources. */
export async function runAptDownload(packages: readonly string[], dir: string, signal?: AbortSignal) {
  await runCommand(['apt-get', 'download', ...packages], { cwd: dir, signal });
}

/** The package a virtual or meta package depends on first, e.g. linux-image-amd64 -> linux-image-6.1.0-N-amd64. */
/** The versions of PKG the host's apt sources offer, oldest first. */
export async function runAptVersions(pkg: string, signal?: AbortSignal): Promise<string[]> {
  const { stdout } = await runCommand(['apt-cache', 'madison', pkg], { signal });
  const versions = stdout.split('\n').map((line) => line.split('|')[1]?.trim() ?? '');
  const unique = [...new Set(versions.filter(Boolean))];
  const sorted: string[] = [];
  for (const version of unique) {
    const at = await firstNewer(sorted, version, signal);
    sorted.splice(at, 0, version);
  }
  return sorted;
}

async function firstNewer(sorted: readonly string[], version: string, signal?: AbortSignal) {
  for (const [i, other] of sorted.entries()) {
    const older = await runCommand(['dpkg', '--compare-versions', version, 'lt', other], {
      signal,
      okExitCodes: [1],
    });
    if (older.exitCode === 0) return i;
  }
  return sorted.length;
}

/** The first package PKG (or PKG=VERSION) depends on, as apt-cache reads it. */
export async function runAptFirstDependency(pkg: string, signal?: AbortSignal): Promise<string> {
  const { stdout } = await runCommand(['apt-cache', 'depends', '--no-recommends', '--no-suggests', pkg], {
    signal,
  });
  const match = /Depends: (\S+)/.exec(stdout);
  if (!match?.[1]) throw new Error(`apt-cache found no dependency of ${pkg}`);
  return match[1];
}

export async function runDpkgExtract(deb: string, dir: string, signal?: AbortSignal): Promise<void> {
  await runCommand(['dpkg-deb', '-x', deb, dir], { signal });
}

export async function runDpkgField(deb: string, signal?: AbortSignal): Promise<string> {
  return (await runCommand(['dpkg-deb', '-f', deb], { signal })).stdout;
}

/** Kernel modules MODULES need, in load order, from an unpacked kernel tree at ROOT. */
export async function runModuleLoadOrder(
  root: string,
  kernelVersion: string,
  modules: readonly string[],
  signal?: AbortSignal,
): Promise<string[]> {
  await runCommand(['depmod', '-b', root, kernelVersion], { signal });
  const ordered: string[] = [];
  for (const module of modules) {
    const { stdout } = await runCommand(
      ['modprobe', '-d', root, '-S', kernelVersion, '--show-depends', module],
      { signal },
    );
    for (const line of stdout.split('\n')) {
      const path = /^insmod (\S+)/.exec(line)?.[1];
      if (path && !ordered.includes(path)) ordered.push(path);
    }
  }
  return ordered;
}
