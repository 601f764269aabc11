/**
 * Debian version ordering (deb-version(7), dpkg's verrevcmp): epoch numerically, then upstream
 * version and revision by alternating non-digit runs (~ before everything, letters before other
 * characters) and digit runs (numerically). Negative when A is older than B.
 */
export function compareDebianVersions(a: string, b: string): number {
  const x = splitVersion(a);
  const y = splitVersion(b);
  return x.epoch - y.epoch || compareParts(x.upstream, y.upstream) || compareParts(x.revision, y.revision);
}

function splitVersion(version: string): { epoch: number; upstream: string; revision: string } {
  const colon = version.indexOf(':');
  const epoch = colon > 0 ? Number(version.slice(0, colon)) || 0 : 0;
  const rest = colon > 0 ? version.slice(colon + 1) : version;
  const dash = rest.lastIndexOf('-');
  return dash >= 0
    ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) }
    : { epoch, upstream: rest, revision: '' };
}

function order(char: string | undefined): number {
  if (char === undefined || /\d/.test(char)) return 0;
  if (char === '~') return -1;
  if (/[A-Za-z]/.test(char)) return char.charCodeAt(0);
  return char.charCodeAt(0) + 256;
}

function compareParts(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/\d/.test(a[i] as string)) || (j < b.length && !/\d/.test(b[j] as string))) {
      const difference = order(a[i]) - order(b[j]);
      if (difference) return difference;
      i++;
      j++;
    }
    const digitsA = /^\d*/.exec(a.slice(i))?.[0] ?? '';
    const digitsB = /^\d*/.exec(b.slice(j))?.[0] ?? '';
    i += digitsA.length;
    j += digitsB.length;
    const difference = compareDigits(digitsA, digitsB);
    if (difference) return difference;
  }
  return 0;
}

/** Digit runs compared as numbers of any length (a run of 17 digits is past a double's precision). */
function compareDigits(a: string, b: string): number {
  const [x, y] = [a.replace(/^0+/, ''), b.replace(/^0+/, '')];
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}
