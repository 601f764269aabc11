import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isMap, isScalar } from 'yaml';
import type { z } from 'zod';
import { RecipeError } from '../errors.ts';
import { AUTOINSTALL_SECTIONS, type AutoinstallSections, autoinstallSectionsSchema } from './schema.ts';
import { getIn, parseYamlDocument, type PositionedYaml, positionOf, positionOfKey } from './yaml-position.ts';

/** A validated autoinstall file: its text goes on the medium as written, its sections are checked. */
export interface Autoinstall {
  /** The path as the recipe gave it (messages name its base name). */
  file: string;
  /** 'cloud-config': the first line is #cloud-config; 'autoinstall': only an autoinstall: key. */
  form: 'cloud-config' | 'autoinstall';
  text: string;
  sections: AutoinstallSections;
}

const HINT =
  'see the autoinstall reference: https://canonical-subiquity.readthedocs-hosted.com/en/latest/reference/autoinstall-reference.html';

/**
 * Autoinstall sections that are no cloud-init module: at the top of a #cloud-config they are a
 * mistake that subiquity stops on ("Misplaced autoinstall directives"). Sections cloud-init also
 * knows (apt, packages, ssh, locale, ...) configure the live session there and are left alone.
 */
const NOT_CLOUD_CONFIG = new Set(
  AUTOINSTALL_SECTIONS.filter(
    (name) =>
      ![
        'apt',
        'packages',
        'locale',
        'timezone',
        'ssh',
        'keyboard',
        'drivers',
        'network',
        'reporting',
        'proxy',
      ].includes(name),
  ),
);

/** Reads and validates subiquity's autoinstall user-data before any work starts. */
export async function readAutoinstall(file: string): Promise<Autoinstall> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new RecipeError(`cannot read the autoinstall file ${file}: ${(error as Error).message}`, {
      cause: error,
      hint: 'check iso.autoinstall.userData in the recipe (a path relative to the recipe)',
    });
  });
  return parseAutoinstall(text, file);
}

/**
 * Parses autoinstall TEXT (named FILE in messages): a #cloud-config with an autoinstall: key, or a
 * document whose only top-level key is autoinstall:. Every problem is one line,
 * "FILE:LINE:COL FIELD: message", thrown as a RecipeError.
 */
export function parseAutoinstall(text: string, file: string): Autoinstall {
  const name = basename(file);
  // PyYAML (subiquity, cloud-init) reads YAML 1.1: `yes` is true there, and so it must be here.
  const yaml = parseYamlDocument(text, name, { version: '1.1' });
  const fail = (where: string, field: string, message: string, hint = HINT): never => {
    throw new RecipeError(`${name}:${where} ${field}: ${message}`, { hint });
  };
  const form = /^#cloud-config[ \t]*\r?(\n|$)/.test(text) ? 'cloud-config' : 'autoinstall';
  const top = yaml.doc.contents;
  if (!isMap(top) || !top.has('autoinstall')) {
    const bare = isMap(top) && top.has('version');
    fail(
      positionOf(yaml, []),
      'autoinstall',
      bare
        ? 'missing: put the sections under a top-level autoinstall: key (the NoCloud seed is cloud-config, where subiquity reads only that key)'
        : 'missing: the file must be a map with a top-level autoinstall: key (optionally after a #cloud-config first line)',
    );
  }
  checkTopLevelKeys(yaml, form, fail);
  const data = yaml.doc.toJS() as { autoinstall: unknown };
  const result = autoinstallSectionsSchema.safeParse(data.autoinstall);
  if (!result.success) failOnIssue(yaml, data, result.error.issues, fail);
  const sections = result.data as AutoinstallSections;
  checkUserIsCreated(yaml, sections, fail);
  return { file, form, text, sections };
}

type Fail = (where: string, field: string, message: string, hint?: string) => never;

/** The first problem zod found, as one positioned line; a misspelt key before the key it leaves missing. */
function failOnIssue(
  yaml: PositionedYaml,
  data: { autoinstall: unknown },
  issues: readonly z.core.$ZodIssue[],
  fail: Fail,
): never {
  const issue = (issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]) as z.core.$ZodIssue;
  const path = ['autoinstall', ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const where = positionOfKey(yaml, path, key);
    if (path.length > 1) fail(where, [...path, key].join('.'), 'unknown key');
    const near = AUTOINSTALL_SECTIONS.find((known) => editDistance(known, key) <= 2);
    const known = `the sections of the autoinstall reference (version 1): ${AUTOINSTALL_SECTIONS.join(', ')}`;
    fail(where, `autoinstall.${key}`, `unknown section${near ? ` (did you mean ${near}?)` : ''}`, known);
  }
  const missing = getIn(data, path) === undefined;
  return fail(positionOf(yaml, path), path.join('.'), missing ? MISSING(path) : issue.message);
}

/** Levenshtein distance, for "did you mean": late_commands is one edit from late-commands. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

const MISSING = (path: readonly PropertyKey[]): string =>
  path.join('.') === 'autoinstall.version'
    ? 'missing: write version: 1 (the only version there is)'
    : 'missing: this key is required';

/** Subiquity reads only autoinstall:; what else sits beside it is cloud-init's or a mistake. */
function checkTopLevelKeys(yaml: PositionedYaml, form: Autoinstall['form'], fail: Fail): void {
  const top = yaml.doc.contents;
  if (!isMap(top)) return;
  for (const pair of top.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === 'autoinstall') continue;
    const where = positionOfKey(yaml, [], key);
    if (form === 'autoinstall') {
      fail(
        where,
        key,
        `only autoinstall: may be at the top level; if ${key}: is cloud-init configuration, make #cloud-config the first line`,
      );
    }
    if (NOT_CLOUD_CONFIG.has(key)) {
      fail(
        where,
        key,
        `is an autoinstall section outside autoinstall:; indent it under autoinstall: (subiquity stops on misplaced sections)`,
      );
    }
  }
}

/** Subiquity's identity controller: a Server install without identity or user-data creates no user and stops. */
function checkUserIsCreated(yaml: PositionedYaml, sections: AutoinstallSections, fail: Fail): void {
  const interactive = sections['interactive-sections'] ?? [];
  const resetOnly = (sections.storage?.layout as { 'reset-partition-only'?: boolean } | undefined)?.[
    'reset-partition-only'
  ];
  if (sections.identity || sections['user-data'] || resetOnly) return;
  if (interactive.includes('identity') || interactive.includes('*')) return;
  fail(
    positionOf(yaml, ['autoinstall']),
    'autoinstall.identity',
    'missing: give identity: { username, hostname, password } (or user-data: with users:), or subiquity stops with "neither identity nor user-data provided"',
  );
}
