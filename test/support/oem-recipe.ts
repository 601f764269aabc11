/**
 * The root build tests' recipe on the sample's top layer (build.test.ts), shared with the rootless
 * tests that must give the same layer: a local .deb, an archive package held, a file with an owner
 * and mode, a script. EXTRARUN lines go at the end of the script.
 */
export const OEM_LAYER = 'ubuntu-server-minimal.ubuntu-server';

export function oemRecipe(output: string, options: { extraRun?: readonly string[] } = {}): string {
  const extra = (options.extraRun ?? []).map((line) => `          ${line}\n`).join('');
  return `input: sample.iso
output: ${output}
layers:
  ${OEM_LAYER}:
    steps:
      - debs: [debs/isoforge-nic-driver_1.0_all.deb]
      - apt: { install: [tree], hold: [isoforge-nic-driver] }
      - copy: { src: files/50-oem.conf, dest: /etc/sysctl.d/50-oem.conf, mode: "0640", owner: "1234:4321" }
      - run: |
          echo isoforge-built > /etc/isoforge-release
          apt-mark showhold > /etc/oem-holds
${extra}`;
}
