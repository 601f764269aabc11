/**
 * npm run image [-- TAG]: the OCI image of isoforge (Containerfile), built by podman from Debian's
 * archive alone, so no registry is needed. The base is Debian 12 minbase made by mmdebstrap and
 * imported into podman once; the build context holds this machine's `node` and an `npm install -g`
 * of the packed tarball. Run as root (rootful podman, mmdebstrap's root mode).
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../src/tools/exec.ts';
import { installPackedIsoforge } from './pack-install.ts';

export const BASE_IMAGE = 'localhost/isoforge-base:bookworm';
const MIRROR = 'http://deb.debian.org/debian';
const SOURCES = [
  `deb ${MIRROR} bookworm main`,
  `deb ${MIRROR} bookworm-updates main`,
  'deb http://deb.debian.org/debian-security bookworm-security main',
];

export interface ImageOptions {
  tag: string;
  onLine?: (line: string) => void;
}

/** localhost/isoforge:VERSION, the version from package.json. */
export async function defaultImageTag(): Promise<string> {
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
  return `localhost/isoforge:${pkg.version}`;
}

/** Debian 12 minbase as a podman image: mmdebstrap writes a tarball, podman imports it. Made once. */
export async function ensureBaseImage(onLine?: (line: string) => void): Promise<void> {
  const exists = await runCommand(['podman', 'image', 'exists', BASE_IMAGE], { okExitCodes: [1] });
  if (exists.exitCode === 0) return;
  const scratch = await mkdtemp(join(tmpdir(), 'isoforge-base-'));
  try {
    const tarball = join(scratch, 'bookworm.tar');
    await runCommand(['mmdebstrap', '--variant=minbase', '--format=tar', 'bookworm', tarball, ...SOURCES], {
      onLine,
    });
    await runCommand(['podman', 'import', tarball, BASE_IMAGE], { onLine });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Builds the image from the Containerfile; returns its tag. */
export async function buildImage({ tag, onLine }: ImageOptions): Promise<string> {
  await ensureBaseImage(onLine);
  const context = await mkdtemp(join(tmpdir(), 'isoforge-image-'));
  try {
    await installPackedIsoforge(context);
    await copyFile(process.execPath, join(context, 'node'));
    await runCommand(
      [
        'podman',
        'build',
        // apt in the build reaches the archive as the host does (no bridge network needed).
        '--network=host',
        `--build-arg=BASE=${BASE_IMAGE}`,
        '--file',
        join(process.cwd(), 'Containerfile'),
        '--tag',
        tag,
        context,
      ],
      { onLine },
    );
    return tag;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('image.ts')) {
  const tag = process.argv[2] ?? (await defaultImageTag());
  await buildImage({ tag, onLine: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${tag}\n`);
}
