import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIsoforge } from '../support/cli.ts';
import { parsePngSize } from '../support/png.ts';
import { ensureSampleIso } from '../support/sample.ts';

// A real build of the sample (the medium only, one BIOS boot from CD) writes its report; Debian's
// Chromium (no browser download) loads the file offline and shows every section, chart and screenshot.
const TIMEOUT = 600_000;
const ROOT = resolve(import.meta.dirname, '../..');
/** The test's output folder: the full-page screenshot lands here (git ignores it). */
const OUTPUT = process.env.ISOFORGE_TEST_OUTPUT ?? join(ROOT, 'test-output', 'report-browser');
const SECTIONS = ['recipe', 'stages', 'layers', 'diff', 'verify', 'sectors', 'boots'];
/** What the test reads of an <img> (the DOM types are not in this project's lib). */
interface ImageElement {
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
}
let dir: string;
let browser: Browser;
let build: { output: string; report: string; diff: { differences: string[] }; verify: { ok: boolean } };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'isoforge-report-'));
  await copyFile(await ensureSampleIso(), join(dir, 'sample.iso'));
  await mkdir(join(dir, 'out'));
  await writeFile(join(dir, 'readme.txt'), 'OEM build 42\n');
  const recipe = join(dir, 'report.yaml');
  await writeFile(
    recipe,
    `input: sample.iso
output: out/report.iso
iso:
  files:
    - { src: readme.txt, dest: /oem/README.txt }
verify:
  boot: [bios/cdrom]
`,
  );
  const run = await runIsoforge(['build', recipe, '--workdir', join(dir, 'work'), '--json']);
  expect(run.exitCode, run.stderr).toBe(0);
  build = JSON.parse(run.stdout) as typeof build;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  // Two ISOs' worth of scratch; the screenshot is kept in OUTPUT.
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the build report', () => {
  it('is written beside the ISO, and `build --json` carries the diff against the input', async () => {
    expect(build.report).toBe(join(dir, 'out/report.report.html'));
    // Published with the ISO, no temporary left: the page and the data `isoforge report` reads.
    expect((await readdir(join(dir, 'out'))).sort()).toEqual([
      'report.iso',
      'report.report.html',
      'report.report.json',
    ]);
    expect(build.verify.ok).toBe(true);
    expect(build.diff.differences).toContain('files');
    const html = await readFile(build.report, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/i);
    expect(html).toContain('/oem/README.txt');
  });

  it('renders again from the work directory and from the ISO, to the same page', async () => {
    const original = await readFile(build.report, 'utf8');
    for (const source of [join(dir, 'work'), build.output]) {
      const again = join(dir, `again-${source === build.output ? 'iso' : 'workdir'}.html`);
      const run = await runIsoforge(['report', source, '--out', again]);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toBe(`wrote ${again}`);
      expect(await readFile(again, 'utf8')).toBe(original);
    }
    const missing = await runIsoforge(['report', join(dir, 'nothing.iso')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`no build report data at ${join(dir, 'nothing.report.json')}`);
  });

  it('refuses a --report folder that does not exist before any work, with exit 2', async () => {
    const missing = join(dir, 'no-such-folder', 'page.html');
    const run = await runIsoforge([
      'build',
      join(dir, 'report.yaml'),
      '--workdir',
      join(dir, 'work-refused'),
      '--out',
      join(dir, 'out/refused.iso'),
      '--report',
      missing,
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`the folder of the report ${missing} does not exist`);
    expect(await readdir(dir)).not.toContain('work-refused');
  });

  it(
    'loads offline in Chromium with every section, chart and boot screenshot visible',
    async () => {
      // No script runs (the page needs none); 0.75 device pixels per CSS pixel keep the picture small.
      const context = await browser.newContext({
        javaScriptEnabled: false,
        viewport: { width: 1100, height: 900 },
        deviceScaleFactor: 0.75,
      });
      const page = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      const url = pathToFileURL(build.report).href;
      // Offline: the report file itself loads, anything else it asked for would fail (and be listed).
      await context.route('**/*', (route) =>
        route.request().url() === url ? route.continue() : route.abort(),
      );
      await page.goto(url, { waitUntil: 'load' });

      for (const id of SECTIONS)
        await expect.poll(() => page.locator(`section#${id} > h2`).isVisible()).toBe(true);
      const charts = page.locator('section#stages svg, section#layers svg, section#sectors svg');
      expect(await charts.count()).toBe(4);
      for (const chart of await charts.all()) {
        const box = await chart.boundingBox();
        expect(box?.width).toBeGreaterThan(100);
        expect(box?.height).toBeGreaterThan(20);
      }
      const shots = page.locator('section#boots img.screenshot');
      expect(await shots.count()).toBe(1);
      const shot = shots.first();
      expect(await shot.isVisible()).toBe(true);
      const natural = await shot.evaluate((img: ImageElement) => [
        img.complete,
        img.naturalWidth,
        img.naturalHeight,
      ]);
      expect(natural[0]).toBe(true);
      expect(natural[1]).toBeGreaterThan(0);
      expect(natural[2]).toBeGreaterThan(0);
      expect((await shot.boundingBox())?.width).toBeGreaterThan(100);

      expect(errors).toEqual([]);
      expect(requests.filter((request) => request !== url && !request.startsWith('data:'))).toEqual([]);

      await mkdir(OUTPUT, { recursive: true });
      const screenshot = join(OUTPUT, 'report.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      const png = parsePngSize(await readFile(screenshot));
      expect(png.width).toBe(825);
      expect(png.height).toBeGreaterThan(900 * 0.75);
      // The README's picture: refreshed only when asked, so a test run leaves the repository as it was.
      if (process.env.ISOFORGE_UPDATE_DOCS === '1')
        await copyFile(screenshot, join(ROOT, 'docs/report-screenshot.png'));
      await context.close();
    },
    TIMEOUT,
  );
});
