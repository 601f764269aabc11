import { InputError } from '../errors.ts';
import type { IsoReport } from '../inspect/inspect.ts';
import { isGapPartitionName } from '../iso/gpt.ts';

/**
 * What of a medium's setup xorriso's modification mode decides by its own flags rather than by
 * replaying the input: each is kept as the input has it, whoever wrote the input (Ubuntu's
 * `-as mkisofs`, a plain `-boot_image any replay`, livefs-editor, isoforge), unless the recipe
 * asks for Ubuntu's standard setup.
 */
export interface WriteSetup {
  /** A Joliet tree (`-joliet on`; modification mode drops it otherwise). */
  joliet: boolean;
  /** The padding inside the image, which a GPT medium shows as a gap partition (`-padding included`). */
  gapPartition: boolean;
  /** xorriso's TOC emulation, the session 32 blocks in (dropped by `-compliance no_emul_toc`). */
  emulatedToc: boolean;
}

/** ubuntu-*-live-server-amd64.iso as Ubuntu's build writes it (livecd-rootfs, `xorriso -as mkisofs`). */
export const STANDARD_SETUP: WriteSetup = { joliet: true, gapPartition: true, emulatedToc: false };

const WORDS: Record<keyof WriteSetup, string> = {
  joliet: 'Joliet tree',
  gapPartition: 'gap partition',
  emulatedToc: 'emulated TOC',
};

/** The setup a medium has, read from its inspect report. */
export function readWriteSetup(report: IsoReport): WriteSetup {
  return {
    joliet: report.joliet,
    gapPartition: (report.gpt?.partitions ?? []).some((p) => p.index > 1 && isGapPartitionName(p.name)),
    emulatedToc: report.emulatedToc,
  };
}

/** The setup a build writes: the input's own, or the standard one when the recipe asks for it. */
export function planWriteSetup(input: WriteSetup, standard: boolean): WriteSetup {
  return standard ? { ...STANDARD_SETUP } : { ...input };
}

/** "gap partition added", "emulated TOC dropped": what a build changes of the setup, for the report. */
export function describeSetupChanges(from: WriteSetup, to: WriteSetup): string[] {
  return (Object.keys(WORDS) as (keyof WriteSetup)[])
    .filter((key) => from[key] !== to[key])
    .map((key) => `${WORDS[key]} ${to[key] ? 'added' : 'dropped'}`);
}

/** +1 when a build adds the gap partition, -1 when it drops it: a row more or less in `fdisk -l`. */
export function gapPartitionDelta(from: WriteSetup, to: WriteSetup): number {
  return Number(to.gapPartition) - Number(from.gapPartition);
}

/**
 * The xorriso flags that write SETUP in modification mode. The padding goes inside the image on
 * every medium but a GPT one whose setup has no gap partition: there xorriso would add one.
 */
export function makeWriteSetupArgs(setup: WriteSetup, hasGpt: boolean): string[] {
  return [
    ...(setup.joliet ? ['-joliet', 'on'] : []),
    ...(setup.emulatedToc ? [] : ['-compliance', 'no_emul_toc']),
    ...(setup.gapPartition || !hasGpt ? ['-padding', 'included'] : []),
  ];
}

/**
 * Refuses, before any work, an input whose boot setup xorriso cannot carry over: an El Torito
 * image that no file and no appended partition holds is "hidden", and a rewrite drops it
 * ("Cannot enable EL Torito boot image ... not a data file in the ISO filesystem").
 */
export function checkReproducibleSetup(report: IsoReport): void {
  const hidden = report.eltorito.findIndex((e) => e.path === null && e.partition === null);
  if (hidden < 0) return;
  const entry = report.eltorito[hidden];
  throw new InputError(
    `cannot reproduce the input's boot setup: El Torito image ${hidden + 1} (${entry?.platform}, block ${entry?.lba}) is hidden: no file holds it, and xorriso drops such an image when it rewrites the ISO`,
    {
      hint: 'remaster an ISO whose boot images are files in its tree (as Ubuntu and Debian ship them), or rebuild the input with the image visible',
    },
  );
}
