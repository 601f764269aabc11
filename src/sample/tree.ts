import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { stringify } from 'yaml';
import { runDpkgField } from '../tools/debian.ts';
import type { SampleFlavour } from './kernels.ts';
import type { BuiltLayer } from './layers.ts';

const CONSOLE_ARGS = 'console=ttyS0,115200';

/** The menu entries of 22.04.5's grub.cfg and loopback.cfg, one per kernel flavour, with where its kernel and initrd go. */
export const MENU_ENTRIES: Record<SampleFlavour, { title: string; kernel: string; initrd: string }> = {
  generic: { title: 'Try or Install Ubuntu Server', kernel: '/casper/vmlinuz', initrd: '/casper/initrd' },
  'generic-hwe': {
    title: 'Ubuntu Server with the HWE kernel',
    kernel: '/casper/hwe-vmlinuz',
    initrd: '/casper/hwe-initrd',
  },
};

function menuEntries(flavours: readonly SampleFlavour[], extraArgs: string): string {
  return flavours
    .map((flavour) => MENU_ENTRIES[flavour])
    .map(
      (entry) => `menuentry "${entry.title}" {
\tset gfxpayload=keep
\tlinux\t${entry.kernel} ${CONSOLE_ARGS}${extraArgs} ---
\tinitrd\t${entry.initrd}
}
`,
    )
    .join('');
}

/** Ubuntu 22.04.5's grub.cfg, with GRUB and the kernel also on the serial console. */
export function makeGrubConfig(flavours: readonly SampleFlavour[]): string {
  return `serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=1

loadfont unicode

set menu_color_normal=white/black
set menu_color_highlight=black/light-gray

${menuEntries(flavours, '')}grub_platform
if [ "$grub_platform" = "efi" ]; then
menuentry 'Boot from next volume' {
\texit 1
}
menuentry 'UEFI Firmware Settings' {
\tfwsetup
}
fi
`;
}

export function makeLoopbackConfig(flavours: readonly SampleFlavour[]): string {
  return menuEntries(flavours, ' iso-scan/filename=${iso_path}');
}

/** casper/install-sources.yaml in 22.04's format; a source's size covers its whole layer chain. */
export function makeInstallSources(layers: readonly BuiltLayer[]): string {
  const chainSize = (count: number) =>
    layers.slice(0, count).reduce((sum, layer) => sum + layer.sizeBytes, 0);
  const sources = [
    {
      default: false,
      description: {
        en: 'This version has been customized to have a small runtime footprint in environments where humans are not expected to log in.',
      },
      id: 'ubuntu-server-minimal',
      locale_support: 'none',
      name: { en: 'Ubuntu Server (minimized)' },
      path: `${layers[0]?.name}.squashfs`,
      size: chainSize(1),
      type: 'fsimage-layered',
      variant: 'server',
    },
    {
      default: true,
      description: {
        en: 'The default install contains a curated set of packages that provide a comfortable experience for operating your server.',
      },
      id: 'ubuntu-server',
      locale_support: 'locale-only',
      name: { en: 'Ubuntu Server' },
      path: `${layers[1]?.name}.squashfs`,
      size: chainSize(2),
      type: 'fsimage-layered',
      variant: 'server',
    },
  ];
  return stringify(sources);
}

/** A one-package apt archive under /dists and /pool, like the ISO's own pool. */
export async function writeArchive(
  treeDir: string,
  deb: string,
  codename: string,
  signal?: AbortSignal,
): Promise<void> {
  const control = await runDpkgField(deb, signal);
  const pkg = /^Package: (\S+)/m.exec(control)?.[1] ?? 'unknown';
  const poolPath = `pool/main/${pkg[0]}/${pkg}/${basename(deb)}`;
  await mkdir(join(treeDir, poolPath, '..'), { recursive: true });
  await copyFile(deb, join(treeDir, poolPath));
  const bytes = await readFile(deb);
  const digest = (algorithm: string) => createHash(algorithm).update(bytes).digest('hex');
  const stanza = `${control.trimEnd()}\nFilename: ${poolPath}\nSize: ${bytes.length}\nMD5sum: ${digest('md5')}\nSHA256: ${digest('sha256')}\n\n`;
  const packagesDir = join(treeDir, `dists/${codename}/main/binary-amd64`);
  await mkdir(packagesDir, { recursive: true });
  await writeFile(join(packagesDir, 'Packages'), stanza);
  await writeFile(
    join(treeDir, `dists/${codename}/Release`),
    `Origin: Ubuntu\nLabel: Ubuntu\nSuite: ${codename}\nCodename: ${codename}\nArchitectures: amd64\nComponents: main\n`,
  );
}

/** md5sum.txt as Ubuntu writes it ("HASH  ./path"), leaving out the files xorriso patches. */
export async function makeMd5sums(treeDir: string, exclude: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const file of await listFiles(treeDir)) {
    const path = `./${relative(treeDir, file)}`;
    if (exclude.includes(path) || path === './md5sum.txt') continue;
    lines.push(
      `${createHash('md5')
        .update(await readFile(file))
        .digest('hex')}  ${path}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    const path = join(dir, entry);
    if ((await stat(path)).isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}
