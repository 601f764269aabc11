import { join } from 'node:path';
import { runCommand } from '../src/tools/exec.ts';

/**
 * isoforge as users install it: `npm pack` of this checkout into FOLDER, then `npm install -g` of
 * the tarball into FOLDER/prefix, readable by everyone. Returns the installed command and what the
 * tarball holds.
 */
export async function installPackedIsoforge(
  folder: string,
): Promise<{ bin: string; prefix: string; files: string[] }> {
  const { stdout } = await runCommand(['npm', 'pack', '--json', '--pack-destination', folder]);
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error('npm pack printed no package');
  const prefix = join(folder, 'prefix');
  await runCommand([
    'npm',
    'install',
    '--global',
    '--prefix',
    prefix,
    '--no-audit',
    '--no-fund',
    join(folder, packed.filename),
  ]);
  await runCommand(['chmod', '-R', 'a+rX', prefix]);
  return { bin: join(prefix, 'bin/isoforge'), prefix, files: packed.files.map((file) => file.path) };
}
