import { readFileSync } from 'node:fs';

/** What this process may do that a layer build needs: be root, and mount (CAP_SYS_ADMIN). */
export interface Privileges {
  uid: number | undefined;
  /** CAP_SYS_ADMIN in the effective set: root in an ordinary container lacks it. */
  canMount: boolean;
}

const CAP_SYS_ADMIN = 21n;

/** This process's privileges, from its uid and /proc/self/status's CapEff. */
export function readPrivileges(status = readStatus()): Privileges {
  const uid = process.getuid?.();
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const canMount = capEff === undefined ? uid === 0 : ((BigInt(`0x${capEff}`) >> CAP_SYS_ADMIN) & 1n) === 1n;
  return { uid, canMount };
}

function readStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}
