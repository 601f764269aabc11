import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../src/tools/exec.ts';

/** Builds a real .deb with dpkg-deb: a package that installs one file. */
export async function makeTestDeb(
  dir: string,
  name: string,
  version: string,
  file: { path: string; content: string },
): Promise<string> {
  const root = join(dir, `${name}-root`);
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await writeFile(
    join(root, 'DEBIAN/control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: isoforge tests <tests@isoforge.invalid>\nDescription: isoforge test package\n`,
  );
  await mkdir(join(root, file.path, '..'), { recursive: true });
  await writeFile(join(root, file.path), file.content);
  await chmod(join(root, file.path), 0o644);
  const deb = join(dir, `${name}_${version}_all.deb`);
  await runCommand(['dpkg-deb', '--build', '--root-owner-group', root, deb]);
  return deb;
}
