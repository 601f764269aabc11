import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  readFigureSections,
  renderFigures,
  writeFigureSections,
  type FiguresFile,
} from '../../../scripts/figures/render.ts';
import { type FleetResults, renderFleetSection } from '../../../bench/fleet-report.ts';
import { type BenchResults, renderBenchSection } from '../../../bench/remaster-report.ts';
import { renderRootlessSection, type RootlessResults } from '../../../bench/rootless-report.ts';
import { renderScaleSection, type ScaleResults } from '../../../bench/scale-report.ts';
import { README_CONSTANTS } from '../../../scripts/figures/readme-constants.ts';
import { unmarkedFigures } from '../../../scripts/figures/unmarked.ts';

/** The README's figures are what `npm run timings` measured: a hand edit of a marked section fails here. */
describe('README figures', () => {
  it('every occurrence of every marked section equals its rendering from docs/figures.json, and every rendering has one', async () => {
    const readme = await readFile('README.md', 'utf8');
    const results = JSON.parse(await readFile('docs/figures.json', 'utf8')) as FiguresFile;
    const rendered = renderFigures(results);
    const sections = readFigureSections(readme);
    sections.forEach(([name, content], i) =>
      expect(content, `figures:${name} (occurrence ${i + 1} of the README's marked sections)`).toBe(
        rendered.get(name),
      ),
    );
    expect([...new Set(sections.map(([name]) => name))].sort()).toEqual([...rendered.keys()].sort());
  });

  it('a hand edit of a second occurrence of a marker is caught', () => {
    const text = 'a <!-- figures:x -->1 MB<!-- /figures:x --> b <!-- figures:x -->2 MB<!-- /figures:x -->';
    expect(readFigureSections(text)).toEqual([
      ['x', '1 MB'],
      ['x', '2 MB'],
    ]);
  });

  it('the bench section equals its rendering from docs/bench-remaster.json', async () => {
    const readme = await readFile('README.md', 'utf8');
    const results = JSON.parse(await readFile('docs/bench-remaster.json', 'utf8')) as BenchResults;
    const section = /<!-- bench:remaster -->\n\n([\s\S]*?)\n<!-- \/bench:remaster -->/.exec(readme)?.[1];
    expect(section).toBe(renderBenchSection(results));
  });

  it('no figure stands outside a marked section: every other quantity is a listed constant', async () => {
    const readme = await readFile('README.md', 'utf8');
    expect(unmarkedFigures(readme, README_CONSTANTS)).toEqual([]);
    const unused = README_CONSTANTS.filter((constant) => !readme.includes(constant.text));
    expect(unused, 'listed constants the README no longer says').toEqual([]);
  });

  it('a figure typed into prose or a table is caught; code, code spans and marked sections are not', () => {
    const text = [
      'built in 142 s, a <!-- figures:x -->65 MB<!-- /figures:x --> ISO, `--size 4 MiB`',
      '| cell | 12.5% of 1,024 bytes |',
      '```',
      'read 234.2 KiB',
      '```',
      'a 2 GB copy, version 1.5 and 3 layers',
    ].join('\n');
    expect(unmarkedFigures(text, [{ text: 'a 2 GB copy', why: 'a constant' }])).toEqual([
      { line: 1, figure: '142 s', context: expect.any(String) },
      { line: 2, figure: '12.5%', context: expect.any(String) },
      { line: 2, figure: '1,024 bytes', context: expect.any(String) },
    ]);
  });

  it('the fleet bench section equals its rendering from docs/bench-fleet.json', async () => {
    const readme = await readFile('README.md', 'utf8');
    const results = JSON.parse(await readFile('docs/bench-fleet.json', 'utf8')) as FleetResults;
    const section = /<!-- bench:fleet -->\n\n([\s\S]*?)\n<!-- \/bench:fleet -->/.exec(readme)?.[1];
    expect(section).toBe(renderFleetSection(results));
  });

  it('the scale bench section equals its rendering from docs/bench-scale.json', async () => {
    const readme = await readFile('README.md', 'utf8');
    const results = JSON.parse(await readFile('docs/bench-scale.json', 'utf8')) as ScaleResults;
    const section = /<!-- bench:scale -->\n\n([\s\S]*?)\n<!-- \/bench:scale -->/.exec(readme)?.[1];
    expect(section).toBe(renderScaleSection(results));
  });

  it('the rootless bench section equals its rendering from docs/bench-rootless.json', async () => {
    const readme = await readFile('README.md', 'utf8');
    const results = JSON.parse(await readFile('docs/bench-rootless.json', 'utf8')) as RootlessResults;
    const section = /<!-- bench:rootless -->\n\n([\s\S]*?)\n<!-- \/bench:rootless -->/.exec(readme)?.[1];
    expect(section).toBe(renderRootlessSection(results));
  });

  it('writeFigureSections replaces block and inline sections and leaves the rest of the text alone', () => {
    const text =
      'a <!-- figures:x -->old<!-- /figures:x --> b\n<!-- figures:y -->\nold\n<!-- /figures:y -->\nc\n';
    const written = writeFigureSections(
      text,
      new Map([
        ['x', 'new x'],
        ['y', 'new\ny'],
      ]),
    );
    expect(written).toBe(
      'a <!-- figures:x -->new x<!-- /figures:x --> b\n<!-- figures:y -->\nnew\ny\n<!-- /figures:y -->\nc\n',
    );
    expect(readFigureSections(written)).toEqual([
      ['x', 'new x'],
      ['y', 'new\ny'],
    ]);
  });

  it('a figure never measured renders as the command that measures it, never as a number', () => {
    const rendered = renderFigures({ machine: 'm', figures: {} });
    expect(rendered.get('sample-times')).toBe(
      'not measured yet (`npm run timings -- sample-cold`) the first time, not measured yet (`npm run timings -- sample-cached`) after',
    );
  });
});
