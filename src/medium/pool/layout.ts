import { FormatError } from '../../errors.ts';
import { fieldOf, type Stanza } from './deb822.ts';

/**
 * Where a package goes in a Debian archive and how new index entries merge with the medium's own:
 * pure functions, no I/O.
 */

/** The one component a pool adds to: installers configure `deb file:/cdrom SUITE main`. */
export const POOL_COMPONENT = 'main';

/** What the pool needs of a .deb's control file. */
export interface DebControl {
  package: string;
  version: string;
  architecture: string;
  /** The source package name (without the "(version)" a binNMU adds). */
  source: string;
}

/** The control fields of a .deb (`dpkg-deb -f` output parsed into STANZA). */
export function parseDebControl(stanza: Stanza, what: string): DebControl {
  const need = (name: string) => {
    const value = fieldOf(stanza, name)?.trim();
    if (!value)
      throw new FormatError(`${what} has no ${name}: field in its control file`, {
        hint: 'pass a .deb built by dpkg-deb',
      });
    return value;
  };
  const pkg = need('Package');
  const source = fieldOf(stanza, 'Source')?.trim().split(/\s+/)[0] || pkg;
  return { package: pkg, version: need('Version'), architecture: need('Architecture'), source };
}

/**
 * The Debian archive path of a package: pool/COMPONENT/PREFIX/SOURCE/NAME_VERSION_ARCH.deb, where
 * PREFIX is the source's first letter, or its first four for lib* sources (Debian Policy's pool
 * layout, as dak and reprepro write it). The epoch is not part of a file name.
 */
export function poolPathOf(control: DebControl, component = POOL_COMPONENT): string {
  const prefix =
    control.source.startsWith('lib') && control.source.length > 3
      ? control.source.slice(0, 4)
      : control.source[0];
  const version = control.version.replace(/^\d+:/, '');
  return `pool/${component}/${prefix}/${control.source}/${control.package}_${version}_${control.architecture}.deb`;
}

/** The identity apt gives an index entry: one package version for one architecture. */
function entryKey(stanza: Stanza): string {
  return ['Package', 'Version', 'Architecture'].map((name) => fieldOf(stanza, name)?.trim() ?? '').join(' ');
}

/**
 * The medium's index entries followed by the added ones. An existing entry for the same package
 * version and architecture, or for the same pool file, is replaced: the added .deb is what the
 * medium will carry there.
 */
export function mergePackageStanzas(existing: readonly Stanza[], added: readonly Stanza[]): Stanza[] {
  const addedKeys = new Set(added.map(entryKey));
  const addedFiles = new Set(added.map((stanza) => fieldOf(stanza, 'Filename')?.trim()));
  const kept = existing.filter(
    (stanza) => !addedKeys.has(entryKey(stanza)) && !addedFiles.has(fieldOf(stanza, 'Filename')?.trim()),
  );
  return [...kept, ...added];
}

/** A space-separated Release list (Architectures, Components) with WANTED added when missing. */
export function withListed(list: string | undefined, wanted: string): string {
  const items = (list ?? '').split(/\s+/).filter(Boolean);
  return (items.includes(wanted) ? items : [...items, wanted]).join(' ');
}
