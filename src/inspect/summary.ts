import type { EntryBootChain } from './boot-chains.ts';
import { formatTable } from '../ui/table.ts';
import type { IsoReport } from './inspect.ts';
import { formatBytes } from './sectormap.ts';

/** The human `inspect` output: a compact summary that fits a terminal. */
export function formatSummary(report: IsoReport): string {
  const out: string[] = [];
  const features = [report.rockRidge && 'Rock Ridge', report.joliet && 'Joliet'].filter(Boolean).join(', ');
  out.push(
    `${report.path}: '${report.volumeId}', ${formatBytes(report.sizeBytes)}${features ? ` (${features})` : ''}`,
  );
  if (report.diskInfo) out.push(`  .disk/info: ${report.diskInfo}`);
  out.push(`  created ${report.volume.created ?? '-'}, modified ${report.volume.modified ?? '-'}`);
  out.push(...bootLines(report));
  out.push(...layoutLines(report));
  out.push('', `read ${formatBytes(report.bytesRead)} of ${formatBytes(report.sizeBytes)}`);
  return out.join('\n');
}

function bootLines(report: IsoReport): string[] {
  const out = ['', 'El Torito' + (report.bootCatalog ? ` (catalog ${report.bootCatalog})` : '')];
  out.push(
    indent(
      formatTable([
        ['#', 'platform', 'boot', 'emulation', 'load', 'lba', 'image', 'patches'],
        ...report.eltorito.map((e, i) => [
          String(i + 1),
          e.platform,
          e.bootable ? 'yes' : 'no',
          e.emulation,
          String(e.loadSectors),
          String(e.lba),
          e.path ?? (e.partition !== null ? `appended partition ${e.partition}` : 'hidden'),
          [e.bootInfoTable && 'boot-info-table', e.grub2BootInfo && 'grub2-boot-info']
            .filter(Boolean)
            .join(' ') || '-',
        ]),
      ]),
    ),
  );
  out.push('', `MBR: ${report.mbrBootCode ?? 'none'} boot code${report.protectiveMbr ? ', protective' : ''}`);
  if (report.mbr.length) {
    out.push(
      indent(
        formatTable([
          ['#', 'boot', 'type', 'start', 'sectors'],
          ...report.mbr.map((p) => [
            String(p.index),
            p.bootable ? '*' : '',
            p.type,
            String(p.start),
            String(p.sectors),
          ]),
        ]),
      ),
    );
  }
  if (report.gpt) {
    out.push('', `GPT ${report.gpt.diskGuid}`);
    out.push(
      indent(
        formatTable([
          ['#', 'start', 'sectors', 'size', 'type', 'name'],
          ...report.gpt.partitions.map((p) => [
            String(p.index),
            String(p.start),
            String(p.sectors),
            formatBytes(p.sectors * 512),
            p.typeName,
            p.name,
          ]),
        ]),
      ),
    );
  }
  return out;
}

function layoutLines(report: IsoReport): string[] {
  const out = ['', `Layout: ${report.layout}${report.md5sums ? ', md5sum.txt present' : ''}`];
  if (report.layers.length) {
    out.push(
      indent(
        formatTable([
          ['layer', 'size', 'compression', 'block', 'inodes', 'sidecars'],
          ...report.layers.map((l) => [
            l.name,
            formatBytes(l.sizeBytes),
            l.superblock?.compression ?? `unreadable: ${l.error}`,
            l.superblock ? formatBytes(l.superblock.blockSize) : '-',
            String(l.superblock?.inodes ?? '-'),
            [l.manifest && 'manifest', l.recordedSize !== null && 'size', l.signature && 'gpg']
              .filter(Boolean)
              .join(',') || '-',
          ]),
        ]),
      ),
    );
  }
  for (const chain of report.layerChains.filter((c) => c.length > 1))
    out.push(`  chain: ${chain.join(' -> ')}`);
  for (const source of report.installSources) {
    out.push(
      `  install source ${source.id}${source.default ? ' (default)' : ''}: ${source.path}, ${source.size ?? '?'} bytes, chain ${source.chain.length} layers`,
    );
  }
  if (report.kernels.length)
    out.push(`  kernels: ${report.kernels.join(', ')}; initrds: ${report.initrds.join(', ')}`);
  for (const menu of report.bootMenus) {
    const timeout = menu.timeoutSeconds === null ? '' : `, timeout ${menu.timeoutSeconds} s`;
    out.push('', `${menu.file} (${menu.loader}${timeout})`);
    for (const entry of menu.entries) {
      out.push(`  ${entry.title}${entry.kernel ? `: ${entry.kernel} ${entry.cmdline ?? ''}`.trimEnd() : ''}`);
      const chain = report.bootChains?.find((c) => c.menu === menu.file && c.title === entry.title);
      if (chain) out.push(`    ${describeBootChain(chain)}`);
    }
  }
  return out;
}

const SOURCES = {
  cmdline: 'layerfs-path= on the command line',
  initrd: "the initrd's default-layer.conf",
  all: 'no layer named: every squashfs in the folder',
};

/** `initrd /casper/initrd, layers A -> A.B (from the initrd's default-layer.conf)`. */
function describeBootChain(chain: EntryBootChain): string {
  const why = chain.initrdError ? `; initrd unreadable: ${chain.initrdError}` : '';
  return `initrd ${chain.initrd ?? 'none'}, layers ${chain.chain.join(' -> ')} (${SOURCES[chain.source]}${why})`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
