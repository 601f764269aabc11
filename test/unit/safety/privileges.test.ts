import { describe, expect, it } from 'vitest';
import { checkLayerPrivileges } from '../../../src/pipeline/tools.ts';
import { readPrivileges } from '../../../src/safety/privileges.ts';

// CapEff of root on a host (all caps), and of root in an ordinary podman container (no CAP_SYS_ADMIN).
const HOST_ROOT = 'Name:\tnode\nCapEff:\t000001ffffffffff\n';
const CONTAINER_ROOT = 'Name:\tnode\nCapEff:\t00000000800405fb\n';
const plan = { layers: [{ layer: { name: 'ubuntu-server-minimal.ubuntu-server' } }] } as Parameters<
  typeof checkLayerPrivileges
>[0];

describe('layer build privileges', () => {
  it('reads CAP_SYS_ADMIN (bit 21) from CapEff', () => {
    expect(readPrivileges(HOST_ROOT).canMount).toBe(true);
    expect(readPrivileges(CONTAINER_ROOT).canMount).toBe(false);
  });

  it('root without CAP_SYS_ADMIN is told to run a privileged container; a medium-only plan passes', () => {
    expect(() => checkLayerPrivileges(plan, { uid: 0, canMount: false })).toThrow(
      /customizing layers \(ubuntu-server-minimal\.ubuntu-server\) mounts .*\(no CAP_SYS_ADMIN/,
    );
    expect(() => checkLayerPrivileges({ layers: [] }, { uid: 0, canMount: false })).not.toThrow();
    expect(() => checkLayerPrivileges(plan, { uid: 0, canMount: true })).not.toThrow();
  });
});
