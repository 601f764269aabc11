import { describe, expect, it } from 'vitest';
import { onlyFileSecurityXattrs } from '../../../src/rootless/capability-seeds.ts';
import { viewXattrs } from '../../../src/rootless/lower-views.ts';
import type { DirectoryNode } from '../../../src/squashfs/model.ts';
import { adoptUserOverlayMarks } from '../../../src/squashfs/overlay.ts';

const value = new TextEncoder().encode('y');

describe('what squashfuse is given in rootless mode', () => {
  it('keeps the opaque mark as user.overlay.opaque, drops other trusted xattrs, keeps user ones', () => {
    const xattrs = [
      { name: 'trusted.overlay.opaque', value },
      { name: 'trusted.overlay.origin', value },
      { name: 'trusted.other', value },
      { name: 'user.mime', value },
    ];
    expect(viewXattrs(xattrs, false).map((x) => x.name)).toEqual(['user.overlay.opaque', 'user.mime']);
  });

  it('stores security.* under the name squashfuse 0.1.x swaps back to security.*', () => {
    const capability = [{ name: 'security.capability', value }];
    expect(viewXattrs(capability, true).map((x) => x.name)).toEqual(['trusted.capability']);
    expect(viewXattrs(capability, false).map((x) => x.name)).toEqual(['security.capability']);
  });

  it('packs an upper dir written with userxattr under trusted.overlay, a hard link renamed once', () => {
    const file = {
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: 0,
      xattrs: [{ name: 'user.overlay.origin', value }],
    };
    const dir = {
      type: 'dir',
      mode: 0o755,
      uid: 0,
      gid: 0,
      mtime: 0,
      xattrs: [
        { name: 'user.overlay.opaque', value },
        { name: 'user.keep', value },
      ],
      entries: new Map([
        ['a', file],
        ['b', file],
      ]),
    };
    const root = { ...dir, xattrs: [], entries: new Map([['d', dir]]) } as unknown as DirectoryNode;
    adoptUserOverlayMarks(root);
    expect(dir.xattrs.map((x) => x.name)).toEqual(['trusted.overlay.opaque', 'user.keep']);
    expect(file.xattrs.map((x) => x.name)).toEqual(['trusted.overlay.origin']);
  });
});

describe('when seeds stand in for a view', () => {
  const node = (type: string, names: string[]) => ({
    type,
    mode: 0o755,
    uid: 0,
    gid: 0,
    mtime: 0,
    xattrs: names.map((name) => ({ name, value })),
    ...(type === 'dir' ? { entries: new Map() } : {}),
  });
  const tree = (...children: [string, ReturnType<typeof node>][]) =>
    ({ ...node('dir', []), entries: new Map(children) }) as unknown as DirectoryNode;

  it('only for a layer whose privileged xattrs are security.* on regular files', () => {
    expect(onlyFileSecurityXattrs(tree(['ping', node('file', ['security.capability', 'user.x'])]))).toBe(
      true,
    );
    expect(onlyFileSecurityXattrs(tree(['etc', node('dir', ['trusted.overlay.opaque'])]))).toBe(false);
    expect(onlyFileSecurityXattrs(tree(['etc', node('dir', ['security.selinux'])]))).toBe(false);
  });
});
