/**
 * The stages any PC boot passes through, in order, recognised from console text alone, so a boot
 * test of an ISO isoforge did not make can say how far it got without a marker of its own.
 */
export const MILESTONES = ['bootloader', 'kernel', 'init', 'login'] as const;
export type Milestone = (typeof MILESTONES)[number];

/** Console lines that prove a milestone; each pattern is what the program itself prints. */
const PATTERNS: Record<Milestone, RegExp> = {
  // GRUB's menu header and command line, its EFI "Welcome to GRUB!", syslinux banners, iPXE's banner.
  bootloader:
    /GNU GRUB +version \d|Welcome to GRUB!|Minimal BASH-like line editing is supported|^grub> ?$|(?:ISO|SYS|EXT|PXE)LINUX \d+\.\d+|iPXE \d+\.\d+\.\d+|iPXE initialising devices/,
  // The kernel's first printk line (serial console), or the EFI stub and decompressor (screen).
  kernel: /Linux version \d+\.\d+\S* \(|EFI stub: |Decompressing Linux\.\.\.|Booting the kernel/,
  // The kernel handing over to user space, initramfs-tools' first line, systemd's greeting.
  init: /Run \S+ as init process|Loading, please wait\.\.\.|^Welcome to (?!GRUB!).+!$|systemd\[1\]: /,
  // getty's prompt: "hostname login:" at the end of a line.
  login: /(?:^|\s)\S*\s?login: ?$/,
};

/** The furthest milestone LINE proves, or null when it proves none. */
export function parseMilestone(line: string): Milestone | null {
  const text = line.trim();
  for (let i = MILESTONES.length - 1; i >= 0; i--) {
    const milestone = MILESTONES[i] as Milestone;
    if (PATTERNS[milestone].test(text)) return milestone;
  }
  return null;
}

/** True when A is later in the boot than B (null, nothing reached, is before everything). */
export function isLater(a: Milestone, b: Milestone | null): boolean {
  return b === null || MILESTONES.indexOf(a) > MILESTONES.indexOf(b);
}
