import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  readFigureSections,
  renderFigures,
  writeFigureSections,
  type FiguresFile,
} from '../../../scripts/figures/render.ts';

/** The README's figures are what `npm run timings` measured: a hand edit of a marked section fails here. */
describe('README figures', () => {
  it('every marked section equals its rendering from docs/figures.json, and every rendering has a section', async () => {
    const readme = await readFile('README.md', 'utf8');
    const results = JSON.parse(await readFile('docs/figures.json', 'utf8')) as FiguresFile;
    const rendered = renderFigures(results);
    const sections = readFigureSections(readme);
    for (const [name, content] of sections) expect(content, `figures:${name}`).toBe(rendered.get(name));
    expect([...new Set(sections.keys())].sort()).toEqual([...rendered.keys()].sort());
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
    expect(readFigureSections(written)).toEqual(
      new Map([
        ['x', 'new x'],
        ['y', 'new\ny'],
      ]),
    );
  });

  it('a figure never measured renders as the command that measures it, never as a number', () => {
    const rendered = renderFigures({ machine: 'm', figures: {} });
    expect(rendered.get('sample-times')).toBe(
      'not measured yet (`npm run timings -- sample-cold`) the first time, not measured yet (`npm run timings -- sample-cached`) after',
    );
  });
});
