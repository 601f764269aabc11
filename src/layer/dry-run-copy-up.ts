import { join } from 'node:path';
import { quoteShellArg as q } from '../ui/shell.ts';
import { TRANSIENT } from './cleanup.ts';
import { LOCK_FILES } from './copy-up.ts';

/**
 * removeCopiedUpLeftovers (copy-up.ts) as shell lines for --dry-run, part one, before the chroot:
 * the upper dir's folders, and each lock file's mtime kept on a reference file.
 */
export function renderCopyUpBefore(upper: string, state: string): string[] {
  return [
    `(cd ${q(upper)} && find . -type d | sed 's/^\\.//' | LC_ALL=C sort) > ${q(join(state, 'before-dirs'))}`,
    ...LOCK_FILES.map(
      (path, i) =>
        `if [ -f ${q(upper + path)} ]; then touch -r ${q(upper + path)} ${q(join(state, `lock-${i}`))}; fi`,
    ),
  ];
}

/**
 * Part two, after the overlay over the upper dir is unmounted and while LOWERVIEW (the layers
 * below, merged, read-only; none for a base layer) still is: lock file mtimes put back, then, in
 * an upper layer, each new, empty, not opaque folder removed, children first, when LOWERVIEW has
 * it with the same mode and owner (in TRANSIENT places: any folder or none). The chroot's mount
 * points are left alone, as the build's snapshot skips them.
 */
export function renderCopyUpCleanup(upper: string, lowerView: string | undefined, state: string): string[] {
  const transient = TRANSIENT.map((regex) => regex.source).join('|');
  const attributes = (path: string) => `"$(stat -c '%a %u %g' ${path})"`;
  const locks = LOCK_FILES.map(
    (path, i) =>
      `if [ -f ${q(join(state, `lock-${i}`))} ] && [ -f ${q(upper + path)} ]; then touch -r ${q(join(state, `lock-${i}`))} ${q(upper + path)}; fi`,
  );
  if (!lowerView) return locks;
  return [
    ...locks,
    `(cd ${q(upper)} && find . -type d | sed 's/^\\.//' | LC_ALL=C sort) > ${q(join(state, 'after-dirs'))}`,
    [
      `LC_ALL=C comm -13 ${q(join(state, 'before-dirs'))} ${q(join(state, 'after-dirs'))} | grep -Ev '^/(proc|sys|dev|run)(/|$)' | LC_ALL=C sort -r | while IFS= read -r d; do`,
      `u=${q(upper)}"$d"; l=${q(lowerView)}"$d";`,
      `[ -z "$(ls -A "$u")" ] || continue;`,
      `if [ -d "$l" ] && [ ! -L "$l" ] && [ ${attributes('"$u"')} = ${attributes('"$l"')} ]; then :;`,
      `elif printf '%s\\n' "$d" | grep -Eq ${q(transient)} && { [ -d "$l" ] || [ ! -e "$l" ]; } && [ ! -L "$l" ]; then :;`,
      'else continue; fi;',
      `getfattr --absolute-names --no-dereference -m - -- "$u" | grep -qx trusted.overlay.opaque && continue;`,
      'rmdir "$u"; done',
    ].join(' '),
  ];
}
