import { runCommand } from './exec.ts';

/**
 * apt-ftparchive (apt-utils): the Packages index of a tree of .debs and the Release file of a
 * dists/SUITE folder, as Debian's own archive tools write them.
 */

/** The Packages stanzas of every .deb below DIR (relative to CWD, which becomes the Filename: prefix). */
export async function runAptFtparchivePackages(
  dir: string,
  options: { cwd: string; signal?: AbortSignal },
): Promise<string> {
  const { stdout } = await runCommand(['apt-ftparchive', 'packages', dir], options);
  return stdout;
}

/** Fields of a Release file that apt-ftparchive takes from the command line (APT::FTPArchive::Release::NAME). */
export interface ReleaseFields {
  Origin?: string;
  Label?: string;
  Suite?: string;
  Version?: string;
  Codename?: string;
  Architectures?: string;
  Components?: string;
  Description?: string;
}

/** The apt-ftparchive argv for the Release of DISTDIR: FIELDS set, index files of DISTDIR hashed (MD5Sum, SHA1, SHA256, SHA512). */
export function aptFtparchiveReleaseArgv(distDir: string, fields: ReleaseFields): string[] {
  const options = Object.entries(fields)
    .filter(([, value]) => value !== undefined && value !== '')
    .flatMap(([name, value]) => ['-o', `APT::FTPArchive::Release::${name}=${value}`]);
  return ['apt-ftparchive', ...options, 'release', distDir];
}

/** The text of DISTDIR's Release file; DISTDIR must not hold the Release itself yet (it would hash it). */
export async function runAptFtparchiveRelease(
  distDir: string,
  fields: ReleaseFields,
  signal?: AbortSignal,
): Promise<string> {
  const { stdout } = await runCommand(aptFtparchiveReleaseArgv(distDir, fields), { signal });
  return stdout;
}
