import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A layer's `.size` as the guide computes it (`du -sx --block-size=1 squashfs-root`), without
 * running du: allocated blocks (st_blocks x 512) of every entry, the root included, on the root's
 * file system only (-x), each hard-linked inode counted once (du's default).
 */
export async function measureTreeBytes(dir: string): Promise<number> {
  const root = await lstat(dir, { bigint: true });
  const seen = new Set<bigint>();
  let bytes = Number(root.blocks) * 512;
  const pending = [dir];
  while (pending.length) {
    const current = pending.pop() ?? dir;
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      const stat = await lstat(path, { bigint: true });
      if (stat.dev !== root.dev) continue;
      if (stat.nlink > 1n && !stat.isDirectory()) {
        if (seen.has(stat.ino)) continue;
        seen.add(stat.ino);
      }
      bytes += Number(stat.blocks) * 512;
      if (stat.isDirectory()) pending.push(path);
    }
  }
  return bytes;
}
