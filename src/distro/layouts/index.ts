import { casperLayout } from './casper.ts';
import { debianLiveLayout } from './debian-live.ts';
import type { MediumLayout } from './layout.ts';

export type { MediumLayout } from './layout.ts';
export { layerBase } from './layout.ts';

/** Every layout isoforge knows, in the order they are tried: a new family is one file and one line here. */
export const LAYOUTS: readonly MediumLayout[] = [casperLayout, debianLiveLayout];

/** The layout whose folder the medium has (DIRECTORIES: every directory path on it), or null. */
export function detectLayout(directories: ReadonlySet<string>): MediumLayout | null {
  return LAYOUTS.find((layout) => directories.has(layout.squashfsDir)) ?? null;
}

/** The layout an `inspect` report names; null for 'unknown'. */
export function layoutNamed(name: string): MediumLayout | null {
  return LAYOUTS.find((layout) => layout.name === name) ?? null;
}
