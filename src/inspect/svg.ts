import type { SectorRegion } from './sectormap.ts';
import { formatBytes } from './sectormap.ts';

const COLORS: Record<SectorRegion['kind'], string> = {
  'system-area': '#8e44ad',
  'iso-filesystem': '#2e86de',
  'efi-partition': '#27ae60',
  'gap-partition': '#f39c12',
  partition: '#16a085',
  unused: '#bdc3c7',
  'gpt-backup': '#c0392b',
};

const SHORT_NAMES: Record<SectorRegion['kind'], string> = {
  'system-area': 'system area',
  'iso-filesystem': 'ISO 9660 file system',
  'efi-partition': 'EFI partition',
  'gap-partition': 'gap',
  partition: 'partition',
  unused: 'unused',
  'gpt-backup': 'GPT backup',
};

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The sector map as an SVG picture: a bar with every region at least wide enough to see (tiny
 * regions such as the system area would vanish at true scale), and a legend with exact numbers.
 */
export function makeSectorMapSvg(title: string, regions: readonly SectorRegion[]): string {
  const width = 900;
  const barY = 60;
  const barHeight = 60;
  const minWidth = 60;
  const total = regions.reduce((sum, r) => sum + r.sectors, 0) || 1;
  const flexible = width - 40 - minWidth * regions.length;
  let x = 20;
  const blocks: string[] = [];
  const legend: string[] = [];
  regions.forEach((region, i) => {
    const w = minWidth + Math.max(0, (region.sectors / total) * flexible);
    const color = COLORS[region.kind];
    blocks.push(
      `<rect x="${x.toFixed(1)}" y="${barY}" width="${w.toFixed(1)}" height="${barHeight}" fill="${color}" stroke="#fff" stroke-width="2"/>`,
      `<text x="${(x + 4).toFixed(1)}" y="${barY + barHeight + 16}" font-size="11" fill="#333">${region.start}</text>`,
    );
    // Name the region inside its block when it is wide enough to hold the words.
    const inside = `${SHORT_NAMES[region.kind]} · ${formatBytes(region.sectors * 512)}`;
    if (w > inside.length * 7.5 + 12) {
      blocks.push(
        `<text x="${(x + w / 2).toFixed(1)}" y="${barY + barHeight / 2 + 5}" font-size="14" font-weight="bold" fill="#fff" text-anchor="middle">${escapeXml(inside)}</text>`,
      );
    }
    const y = barY + barHeight + 50 + i * 24;
    legend.push(
      `<rect x="20" y="${y - 12}" width="14" height="14" fill="${color}"/>`,
      `<text x="42" y="${y}" font-size="13" fill="#222">${escapeXml(region.label)}: sectors ${region.start}-${region.end} (${region.sectors} x 512 B = ${formatBytes(region.sectors * 512)})</text>`,
    );
    x += w;
  });
  const height = barY + barHeight + 80 + regions.length * 24;
  legend.push(
    `<text x="20" y="${height - 14}" font-size="11" fill="#777">Blocks are widened so small regions stay visible; the numbers are exact (512-byte sectors).</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fafafa"/>`,
    `<text x="20" y="32" font-size="18" font-weight="bold" fill="#222">${escapeXml(title)}</text>`,
    ...blocks,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
