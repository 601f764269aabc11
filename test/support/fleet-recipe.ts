/**
 * A fleet of COUNT variants of one recipe on the sample: one shared layer change, and per variant a
 * hostname (kernel argument, .disk/info) and autoinstall user-data. Used by
 * test/integration/fleet-scale.test.ts and bench/fleet.ts.
 */
export const FLEET_LAYER = 'ubuntu-server-minimal.ubuntu-server';

export function fleetHosts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `host-${String(i + 1).padStart(2, '0')}`);
}

// The password is the crypted 'ubuntu' of subiquity's autoinstall reference.
export const FLEET_USER_DATA = [
  '#cloud-config',
  'autoinstall:',
  '  version: 1',
  '  identity:',
  '    hostname: {{ HOST }}',
  '    username: ubuntu',
  "    password: '$6$exDY1mhS4KUYCE/2$zmn9ToZwTKLhCw.b4/b.ZRTIZM30JZ4QrOQ2aOXJ8yk96xpcCof0kxKwuX1kqLG/ygbJ1f8wxED22bTL4F46P0'",
  '',
].join('\n');

/**
 * The recipe (input sample.iso and files/user-data beside it, ISOs into folder OUT); without the
 * layer change when MEDIUM_ONLY.
 */
export function fleetRecipe(count: number, out: string, mediumOnly = false): string {
  const layers = `layers:\n  ${FLEET_LAYER}:\n    steps:\n      - run: echo fleet-shared > /etc/isoforge-fleet\n`;
  return [
    'input: sample.iso',
    `output: ${out}/fleet.iso`,
    ...(mediumOnly ? [] : [layers.trimEnd()]),
    'iso:',
    "  diskInfo: 'Fleet {{ HOST }}'",
    "  cmdline: { add: ['hostname={{ HOST }}'] }",
    '  autoinstall: { userData: files/user-data }',
    'variants:',
    ...fleetHosts(count).map((host) => `  ${host}: { vars: { HOST: ${host} } }`),
    '',
  ].join('\n');
}
