import type { DirectoryNode, SquashfsNode, Xattr } from './model.ts';

/**
 * Overlayfs semantics on squashfs trees. A layer of a live medium is one branch of an overlayfs:
 * a character device 0/0 is a whiteout (the name is gone from the layers below) and a directory
 * with trusted.overlay.opaque=y hides the content of the layers below.
 */

export const OPAQUE = 'trusted.overlay.opaque';

const USER_OVERLAY = 'user.overlay.';
const TRUSTED_OVERLAY = 'trusted.overlay.';

/**
 * An upper dir an overlay wrote in a user namespace (mounted with userxattr) keeps its marks in
 * user.overlay.*, where a shipped layer must keep them in trusted.overlay.*, as casper's overlay
 * (mounted by root) reads them. Renames them in place in the tree under ROOT; hard links are one node.
 */
export function adoptUserOverlayMarks(root: DirectoryNode): void {
  const seen = new Set<SquashfsNode>();
  const visit = (node: SquashfsNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    node.xattrs = node.xattrs.map((x) =>
      x.name.startsWith(USER_OVERLAY)
        ? { ...x, name: TRUSTED_OVERLAY + x.name.slice(USER_OVERLAY.length) }
        : x,
    );
    if (node.type === 'dir') for (const child of node.entries.values()) visit(child);
  };
  visit(root);
}

export function isWhiteout(node: SquashfsNode): boolean {
  return node.type === 'char' && node.rdev === 0;
}

export function isOpaque(node: SquashfsNode): boolean {
  return (
    node.type === 'dir' &&
    node.xattrs.some((x) => x.name === OPAQUE && Buffer.from(x.value).toString() === 'y')
  );
}

/**
 * What a stack of layers (top first, as overlayfs lists its lowerdirs) shows at PATH: the topmost
 * entry; a whiteout, a non-directory on the way or an opaque directory without the entry hides the
 * layers below. Null when nothing is there.
 */
export function lookupInStack(roots: readonly DirectoryNode[], path: string): SquashfsNode | null {
  const names = path.split('/').filter(Boolean);
  for (const root of roots) {
    let node: SquashfsNode | undefined = root;
    let hidden = false;
    for (const name of names) {
      if (node.type !== 'dir') {
        hidden = true;
        node = undefined;
        break;
      }
      const next: SquashfsNode | undefined = node.entries.get(name);
      if (!next) {
        hidden = isOpaque(node);
        node = undefined;
        break;
      }
      node = next;
    }
    if (node) return isWhiteout(node) ? null : node;
    if (hidden) return null;
  }
  return null;
}

/**
 * Xattrs overlayfs itself sets while it works (copy-up's origin, impure, nlink, ...): bookkeeping of
 * the mount the build used, meaningless in a shipped layer. Only `opaque` carries content.
 */
function isOverlayBookkeeping(xattr: Xattr): boolean {
  return xattr.name.startsWith('trusted.overlay.') && xattr.name !== OPAQUE;
}

export interface OverlayMerge {
  /** The layer's new tree: LAYER with UPPER applied. */
  root: DirectoryNode;
  /** Paths (with a leading slash) of the non-directories UPPER brought, the directories new to the layer and the whiteouts it keeps. */
  changed: string[];
}

/**
 * Folds UPPER (an overlayfs upper dir, read as a squashfs tree) into LAYER (the layer it was
 * stacked on, with BELOW the layers under that), giving the tree that the layer alone must hold so
 * the stack shows what the overlay showed. An entry of UPPER replaces LAYER's; a directory of both
 * merges (UPPER's attributes win) unless UPPER's is opaque; a whiteout removes the entry and stays
 * only where a layer below still has the name (likewise the opaque mark). Nodes of LAYER that UPPER
 * does not touch are kept as they are, so their data still points into the original image.
 */
export function applyOverlayUpper(
  layer: DirectoryNode,
  upper: DirectoryNode,
  below: (path: string) => SquashfsNode | null,
): OverlayMerge {
  const changed: string[] = [];
  // The upper dir's root is the mount's own folder, never copied up: the layer's root keeps its xattrs.
  const root = mergeDirectory(layer, { ...upper, xattrs: layer.xattrs }, '', below, changed);
  return { root, changed: changed.sort() };
}

function mergeDirectory(
  into: DirectoryNode | null,
  upper: DirectoryNode,
  path: string,
  below: (path: string) => SquashfsNode | null,
  changed: string[],
): DirectoryNode {
  const opaque = isOpaque(upper);
  const keepOpaque = opaque && below(path)?.type === 'dir';
  const base = into && !opaque ? into.entries : new Map<string, SquashfsNode>();
  const own = upper.xattrs.filter((x) => !isOverlayBookkeeping(x) && (x.name !== OPAQUE || keepOpaque));
  // Copy-up never copies overlayfs's own xattrs: a folder the layer had opaque stays opaque when merged.
  const fromLayer = into?.xattrs.filter((x) => x.name === OPAQUE && !opaque) ?? [];
  const xattrs = [...own, ...fromLayer, ...keptBookkeeping(into)];
  const dir: DirectoryNode = { ...upper, xattrs, entries: new Map(base) };
  for (const [name, node] of upper.entries) {
    const childPath = `${path}/${name}`;
    const existing = dir.entries.get(name) ?? null;
    if (isWhiteout(node)) {
      dir.entries.delete(name);
      if (below(childPath)) {
        dir.entries.set(name, withoutBookkeeping(node));
        changed.push(childPath);
      }
    } else if (node.type === 'dir') {
      const lower = existing?.type === 'dir' ? existing : null;
      if (!lower) changed.push(childPath);
      dir.entries.set(name, mergeDirectory(lower, node, childPath, below, changed));
    } else {
      dir.entries.set(name, withoutBookkeeping(node, keptBookkeeping(existing)));
      changed.push(childPath);
    }
  }
  return dir;
}

/**
 * Bookkeeping xattrs the layer itself already had on an entry (an overlay of the machine that made
 * it): the entry keeps them, as it would have had the layer been unpacked and changed in place;
 * only what this build's own overlay added is dropped.
 */
function keptBookkeeping(existing: SquashfsNode | null): Xattr[] {
  return existing ? existing.xattrs.filter(isOverlayBookkeeping) : [];
}

function withoutBookkeeping<T extends SquashfsNode>(node: T, kept: Xattr[] = []): T {
  if (!kept.length && !node.xattrs.some(isOverlayBookkeeping)) return node;
  // Hard links share one node object: the filtered copy is made once per node and reused.
  let copy = filtered.get(node);
  if (!copy) {
    copy = { ...node, xattrs: [...node.xattrs.filter((x) => !isOverlayBookkeeping(x)), ...kept] };
    filtered.set(node, copy);
  }
  return copy as T;
}

const filtered = new WeakMap<SquashfsNode, SquashfsNode>();
