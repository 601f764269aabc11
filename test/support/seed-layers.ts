/** Ubuntu 22.04.5 server's five squashfs layers, as the seed guide (shared/seed, 2.2.2) lists them. */
export const SEED_LAYERS = [
  'ubuntu-server-minimal',
  'ubuntu-server-minimal.ubuntu-server',
  'ubuntu-server-minimal.ubuntu-server.installer',
  'ubuntu-server-minimal.ubuntu-server.installer.generic',
  'ubuntu-server-minimal.ubuntu-server.installer.generic-hwe',
];
