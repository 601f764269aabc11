import { compareDebianVersions } from './version.ts';

export interface PackageChange {
  name: string;
  from: string;
  to: string;
}

export interface PackagesDiff {
  added: { name: string; version: string }[];
  removed: { name: string; version: string }[];
  upgraded: PackageChange[];
  downgraded: PackageChange[];
}

/** A packages sidecar (casper .manifest, live-build .packages): `name<TAB>version` lines, dpkg-query -W style. */
export function parsePackageList(text: string): Map<string, string> {
  const packages = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [name, version] = line.trim().split(/\s+/);
    if (name) packages.set(name, version ?? '');
  }
  return packages;
}

/** Packages added, removed, upgraded and downgraded from A's list to B's, by name. */
export function comparePackages(
  a: ReadonlyMap<string, string>,
  b: ReadonlyMap<string, string>,
): PackagesDiff {
  const diff: PackagesDiff = { added: [], removed: [], upgraded: [], downgraded: [] };
  for (const [name, version] of a) if (!b.has(name)) diff.removed.push({ name, version });
  for (const [name, version] of b) {
    const before = a.get(name);
    if (before === undefined) diff.added.push({ name, version });
    else if (before !== version) {
      const change = { name, from: before, to: version };
      (compareDebianVersions(before, version) < 0 ? diff.upgraded : diff.downgraded).push(change);
    }
  }
  return diff;
}

export function isPackagesDifferent(diff: PackagesDiff): boolean {
  return diff.added.length + diff.removed.length + diff.upgraded.length + diff.downgraded.length > 0;
}
