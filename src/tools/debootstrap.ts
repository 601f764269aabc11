import { runCommand } from './exec.ts';

export interface DebootstrapOptions {
  suite: string;
  target: string;
  mirror: string;
  variant?: string;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

/** Downloads the .debs of a debootstrap into TARBALL only, so later runs need no network. */
export async function runDebootstrapMakeTarball(options: DebootstrapOptions & { tarball: string }) {
  await runCommand(
    [
      'debootstrap',
      `--variant=${options.variant ?? 'minbase'}`,
      `--make-tarball=${options.tarball}`,
      options.suite,
      options.target,
      options.mirror,
    ],
    { signal: options.signal, onLine: options.onLine },
  );
}

/** Installs a root file system at TARGET, from TARBALL's .debs when given (else from MIRROR). */
export async function runDebootstrap(options: DebootstrapOptions & { tarball?: string }): Promise<void> {
  const args = ['debootstrap', `--variant=${options.variant ?? 'minbase'}`];
  if (options.tarball) args.push(`--unpack-tarball=${options.tarball}`);
  await runCommand([...args, options.suite, options.target, options.mirror], {
    signal: options.signal,
    onLine: options.onLine,
  });
}
