import { access } from 'node:fs/promises';
import { runCommand } from './exec.ts';
import { DATA_FILES, PROGRAMS, type ProgramSpec, versionAtLeast } from './programs.ts';

export type CheckStatus = 'ok' | 'missing' | 'too-old' | 'unknown-version';

export interface ProgramCheck {
  name: string;
  aptPackage: string;
  purpose: string;
  found: string | null;
  minimum: string | null;
  optional: boolean;
  status: CheckStatus;
}

/** Checks every program isoforge runs and every firmware file it reads; used by doctor and before a build. */
export async function checkEnvironment(programs: readonly ProgramSpec[] = PROGRAMS): Promise<ProgramCheck[]> {
  const checks = await Promise.all(programs.map(checkProgram));
  const files = await Promise.all(DATA_FILES.map(checkDataFile));
  return [...checks, ...files];
}

async function checkProgram(spec: ProgramSpec): Promise<ProgramCheck> {
  const base = {
    name: spec.name,
    aptPackage: spec.aptPackage,
    purpose: spec.purpose,
    minimum: spec.minVersion ?? null,
    optional: spec.optional ?? false,
  };
  let output: string;
  try {
    const result = await runCommand([spec.name, ...spec.versionArgs], { okExitCodes: [1, 2] });
    output = result.stdout + result.stderr;
  } catch {
    return { ...base, found: null, status: 'missing' };
  }
  const found = spec.versionPattern.exec(output)?.[1] ?? null;
  if (!found) return { ...base, found: null, status: 'unknown-version' };
  const status = spec.minVersion && !versionAtLeast(found, spec.minVersion) ? 'too-old' : 'ok';
  return { ...base, found, status };
}

async function checkDataFile(file: (typeof DATA_FILES)[number]): Promise<ProgramCheck> {
  const base = { name: file.path, aptPackage: file.aptPackage, purpose: file.purpose, minimum: null };
  try {
    await access(file.path);
    return { ...base, found: 'present', optional: true, status: 'ok' };
  } catch {
    return { ...base, found: null, optional: true, status: 'missing' };
  }
}

/** The single apt-get line that fixes every failed check, or null when nothing is missing. */
export function aptFixLine(checks: readonly ProgramCheck[]): string | null {
  const packages = [...new Set(checks.filter((c) => c.status !== 'ok').map((c) => c.aptPackage))];
  return packages.length ? `apt-get install -y ${packages.join(' ')}` : null;
}

export function isFatal(check: ProgramCheck): boolean {
  return check.status === 'missing' || check.status === 'too-old' ? !check.optional : false;
}
