import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../../src/errors.ts';
import { readReportData, reportPathsFor, writeReportHtml } from '../../../src/report/files.ts';
import { renderReportHtml, type ReportData } from '../../../src/report/render.ts';

// The data a real build saved: the sample with one file added on the medium, booted bios/cdrom.
const FIXTURE = new URL('../../fixtures/report/sample-medium.report.json', import.meta.url);

async function fixture(): Promise<ReportData> {
  return JSON.parse(await readFile(FIXTURE, 'utf8')) as ReportData;
}

describe('renderReportHtml', () => {
  it('renders every section of a real build, its charts and the boot screenshot inline', async () => {
    const data = await fixture();
    const html = renderReportHtml(data);
    for (const id of ['recipe', 'stages', 'layers', 'diff', 'verify', 'sectors', 'boots'])
      expect(html).toContain(`<section id="${id}">`);
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain(`src="data:image/png;base64,${data.boots[0]?.screenshotPng}"`);
    expect(html).toContain('boot-test bios/cdrom');
    expect(html).not.toMatch(/<script|(src|href)="https?:/i);
  });

  it('escapes every text it shows: recipe, check details, console lines', async () => {
    const data = await fixture();
    const hostile = '</pre><script>alert(1)</script><img src=x onerror=alert(2)>';
    data.recipe.text = hostile;
    data.verify.checks[0] = { name: hostile, outcome: 'failed', detail: hostile };
    data.verify.ok = false;
    const boot = data.boots[0] as ReportData['boots'][number];
    boot.tail = [hostile];
    boot.milestones = [{ milestone: 'kernel', seconds: 1, line: hostile }];
    const html = renderReportHtml(data);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;/pre&#62;&#60;script&#62;alert(1)');
    expect(html).toContain('1 of 10 checks failed');
    expect(html).toContain('(NOT verified)');
  });

  it('names the files of a layer that differ from an earlier build of the same inputs, escaped', async () => {
    const data = await fixture();
    expect(renderReportHtml(data)).not.toContain('Reproducibility');
    const [first, second] = data.layers as [ReportData['layers'][number], ReportData['layers'][number]];
    first.reproducibility = {
      comparedWith: '2024-05-01T10:20:30.000Z',
      identical: false,
      differingFiles: ['/etc/machine-id', '/var/log/<b>.log'],
    };
    second.reproducibility = {
      comparedWith: '2024-05-01T10:20:30.000Z',
      identical: true,
      differingFiles: [],
    };
    const html = renderReportHtml(data);
    expect(html).toContain('<h3>Reproducibility</h3>');
    expect(html).toContain(
      `<code>${first.name}</code>: <span class="failed">not reproducible</span>: 2 changed files differ from the build of 2024-05-01T10:20:30.000Z with the same inputs:<ul><li><code>/etc/machine-id</code></li><li><code>/var/log/&#60;b&#62;.log</code></li></ul>`,
    );
    expect(html).toContain(`<code>${second.name}</code>: <span class="ok">the same bytes</span>`);
  });

  it('shows a boot without a picture, and refuses a screenshot that is not base64', async () => {
    const data = await fixture();
    const boot = data.boots[0] as ReportData['boots'][number];
    boot.screenshotPng = '"><script>';
    expect(renderReportHtml(data)).toContain('No screenshot: the boot did not pass.');
    data.boots = [];
    expect(renderReportHtml(data)).toContain('The recipe asks for no boot test');
  });
});

describe('report data files', () => {
  it('names the report and its data beside the ISO', () => {
    expect(reportPathsFor('/out/oem.iso')).toEqual({
      html: '/out/oem.report.html',
      json: '/out/oem.report.json',
    });
  });

  it('reads the data back from beside an ISO and renders it where asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoforge-report-unit-'));
    await writeFile(join(dir, 'oem.report.json'), await readFile(FIXTURE));
    const { data, file } = await readReportData(join(dir, 'oem.iso'));
    expect(file).toBe(join(dir, 'oem.report.json'));
    const out = await writeReportHtml(data, join(dir, 'page.html'));
    expect(await readFile(out, 'utf8')).toBe(renderReportHtml(data));
  });

  it('refuses a file that is not report data, with exit 2 and the fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'isoforge-report-unit-'));
    await writeFile(join(dir, 'report.json'), '{"format":"something-else"}');
    const error = await readReportData(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(ExitCode.badInput);
    expect((error as InputError).message).toBe(
      `${join(dir, 'report.json')} is not isoforge report data (format something-else, expected isoforge-report/1)`,
    );
  });
});
