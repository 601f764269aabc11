/**
 * dpkg's database of installed packages, /var/lib/dpkg/status (deb822 stanzas, see dpkg(1) and
 * deb-control(5)): the package list of a layer that came without a manifest sidecar.
 */

/**
 * The installed packages of a dpkg status file as `dpkg-query -W -f '${binary:Package}\t${Version}'`
 * (what casper's .manifest holds) would list them: a package whose current state is `installed`
 * ("install ok installed", "hold ok installed"), qualified with its architecture when it is
 * Multi-Arch: same.
 */
export function parseDpkgStatus(text: string): Map<string, string> {
  const packages = new Map<string, string>();
  for (const stanza of text.split(/\n[ \t]*\n/)) {
    const fields = parseStanza(stanza);
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || version === undefined) continue;
    if (fields.get('status')?.split(/\s+/)[2] !== 'installed') continue;
    const arch = fields.get('architecture');
    const qualified = fields.get('multi-arch') === 'same' && arch ? `${name}:${arch}` : name;
    packages.set(qualified, version);
  }
  return packages;
}

/** A stanza's single-line fields by lower-cased name; continuation lines (leading blank) are skipped. */
function parseStanza(stanza: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of stanza.split('\n')) {
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return fields;
}
