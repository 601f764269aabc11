import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BootGoal, ConsoleWatch } from '../../../src/boottest/console-watch.ts';
import { BOOT_FAILURES, SAMPLE_OK } from '../../../src/boottest/index.ts';
import { parseMilestone } from '../../../src/boottest/milestones.ts';

const FIXTURES = new URL('../../fixtures/consoles/', import.meta.url).pathname;

/** A boot-test log as it arrived: serial lines, and VGA text screens between the screen markers. */
type ConsoleEvent = { serial: string } | { screen: string[] };

async function readConsoleLog(name: string): Promise<ConsoleEvent[]> {
  const events: ConsoleEvent[] = [];
  let screen: string[] | null = null;
  for (const line of (await readFile(join(FIXTURES, name), 'utf8')).split('\n')) {
    if (line === '--- screen ---') screen = [];
    else if (line === '--- end screen ---') {
      events.push({ screen: screen ?? [] });
      screen = null;
    } else if (screen) screen.push(line);
    else if (line) events.push({ serial: line });
  }
  return events;
}

/** Replays a real log through the watcher boot-test uses, as QEMU would deliver it. */
async function replay(name: string, goal: Omit<BootGoal, 'failOn'>) {
  let stopped = 0;
  const logFile = join(await mkdtemp(join(tmpdir(), 'isoforge-watch-')), 'console.log');
  const watch = new ConsoleWatch(logFile, { ...goal, failOn: BOOT_FAILURES }, () => stopped++);
  for (const event of await readConsoleLog(name)) {
    if ('serial' in event) watch.addSerial(event.serial);
    else watch.setScreen(event.screen);
  }
  await watch.flush();
  return { watch, stopped };
}

async function milestonesIn(name: string) {
  const lines = (await readConsoleLog(name)).flatMap((e) => ('serial' in e ? [e.serial] : e.screen));
  return lines.flatMap((line) => {
    const milestone = parseMilestone(line);
    return milestone ? [[milestone, line.trim()]] : [];
  });
}

describe('milestones found in real console logs', () => {
  it('a Linux kernel on the serial console: kernel, init, login', async () => {
    expect(await milestonesIn('linux-initrd-getty.serial.log')).toEqual([
      ['kernel', expect.stringMatching(/^\[ +0\.000000\] Linux version 6\.1\.0-57-amd64 \(debian-kernel@/)],
      ['init', '[    3.758998] Run /init as init process'],
      ['init', 'Welcome to the isoforge test initrd!'],
      ['login', 'isoforge-test login:'],
    ]);
  });

  it('the sample: GRUB on screen and serial, then the kernel and its initrd on serial', async () => {
    expect(await milestonesIn('sample-bios-cdrom.log')).toEqual([
      ['bootloader', 'Welcome to GRUB!'],
      ['bootloader', 'GNU GRUB  version 2.06-13+deb12u2'],
      ['bootloader', 'GNU GRUB  version 2.06-13+deb12u2'],
      ['kernel', expect.stringMatching(/^\[ +0\.000000\] Linux version 6\.1\.0-57-amd64 /)],
      ['init', '[    4.742274] Run /init as init process'],
    ]);
  });

  it('ipxe.iso: the ISOLINUX and iPXE banners are boot loaders, nothing later', async () => {
    const found = new Set((await milestonesIn('ipxe-bios-cdrom.log')).map(([, line]) => line));
    expect([...found]).toEqual([
      'ISOLINUX 6.04 20200816 ETCD Copyright (C) 1994-2015 H. Peter Anvin et al',
      'iPXE initialising devices...ok',
      'iPXE 1.0.0+git-20190125.36a4c85-5.1 -- Open Source Network Boot Firmware -- http',
    ]);
  });

  it("grub-rescue: GRUB's menu header is a boot loader; its error screens prove nothing later", async () => {
    const found = await milestonesIn('grub-rescue-bios-cdrom.log');
    expect(new Set(found.map(([m, line]) => `${m}: ${line}`))).toEqual(
      new Set(['bootloader: GNU GRUB  version 2.06-13+deb12u2']),
    );
  });

  it('a GRUB command line and an EFI GRUB greeting are boot loaders too', () => {
    expect(parseMilestone('grub> ')).toBe('bootloader');
    expect(parseMilestone('Welcome to GRUB!')).toBe('bootloader');
    expect(parseMilestone('SYSLINUX 6.04 EDD 20191223 Copyright (C) 1994-2015 H. Peter Anvin et al')).toBe(
      'bootloader',
    );
    expect(parseMilestone('Welcome to Debian GNU/Linux 12 (bookworm)!')).toBe('init');
  });
});

describe('the boot-test watcher on real console logs', () => {
  it('without a marker, passes the Linux boot at its login prompt and records when each milestone came', async () => {
    const { watch, stopped } = await replay('linux-initrd-getty.serial.log', {
      expect: SAMPLE_OK,
      until: 'login',
    });
    expect(watch.end).toBe('passed');
    expect(watch.matched).toBe('isoforge-test login:');
    expect(watch.milestones.map((hit) => hit.milestone)).toEqual(['kernel', 'init', 'login']);
    expect(stopped).toBe(1);
  });

  it('passes the sample on its ok marker by default, having seen GRUB, the kernel and /init', async () => {
    const { watch } = await replay('sample-bios-cdrom.log', { expect: SAMPLE_OK, until: 'login' });
    expect(watch.end).toBe('passed');
    expect(watch.matched).toMatch(/^ISOFORGE-SAMPLE-BOOT ok release=ubuntu-server-minimal\.ubuntu-server /);
    expect(watch.milestones.map((hit) => [hit.milestone, hit.line])).toEqual([
      ['bootloader', 'Welcome to GRUB!'],
      ['kernel', expect.stringContaining('Linux version 6.1.0-57-amd64')],
      ['init', '[    4.742274] Run /init as init process'],
    ]);
  });

  it('knows GRUB left its menu after "Booting `ENTRY\'", and is back at one when a failed entry returns to it', async () => {
    const booting = await replay('sample-uefi-loopback-booting.log', { expect: SAMPLE_OK });
    expect(booting.watch.milestone).toBe('bootloader');
    expect(booting.watch.entryChosen).toBe(true);
    const grubRescue = await replay('grub-rescue-bios-cdrom.log', { expect: SAMPLE_OK });
    expect(grubRescue.watch.entryChosen).toBe(false);
  });

  it('--until kernel passes at the kernel banner', async () => {
    const { watch } = await replay('linux-initrd-getty.serial.log', { until: 'kernel' });
    expect(watch.end).toBe('passed');
    expect(watch.milestone).toBe('kernel');
  });

  it('ipxe.iso fails on "No bootable device." having reached the boot loader', async () => {
    const { watch } = await replay('ipxe-bios-cdrom.log', { until: 'login' });
    expect(watch.end).toBe('failure');
    expect(watch.milestone).toBe('bootloader');
    expect(watch.milestones[0]?.line).toMatch(/^ISOLINUX 6\.04/);
  });

  it('an --expect marker still passes as before', async () => {
    const { watch } = await replay('ipxe-bios-cdrom.log', { expect: /iPXE/ });
    expect(watch.end).toBe('passed');
    expect(watch.matched).toBe('iPXE ISO boot image');
  });
});
