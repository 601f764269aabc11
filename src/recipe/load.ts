import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { RecipeError } from '../errors.ts';
import { getIn, parseYamlDocument, positionOf } from '../autoinstall/yaml-position.ts';
import type { RecipeSource } from '../medium-plan/recipe-source.ts';
import { withPlaceholders } from './markers.ts';
import { type Recipe, recipeSchema, STEP_SCHEMAS } from './schema.ts';

/** A recipe as read: the planners below take its RecipeSource part and the fields they read. */
export interface LoadedRecipe extends RecipeSource {
  recipe: Recipe;
  /** The document as written (no defaults filled in): what a variant merges over. */
  data: unknown;
  file: string;
}

/** Reads and validates a recipe; the first problem is reported as "file:line:col field: message". */
export async function readRecipe(file: string): Promise<LoadedRecipe> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new RecipeError(`cannot read recipe ${file}: ${(error as Error).message}`, {
      cause: error,
      hint: 'check the path to the recipe file',
    });
  });
  return {
    recipe: parseRecipe(text, file),
    data: parseYamlDocument(text, basename(file)).doc.toJS(),
    file: resolve(file),
    dir: dirname(resolve(file)),
    locate: makeLocator(text, file),
  };
}

/** Positions of fields in recipe TEXT, for problems only the plan can see (an entry that matches nothing). */
export function makeLocator(text: string, file: string): LoadedRecipe['locate'] {
  const name = basename(file);
  const yaml = parseYamlDocument(text, name);
  return (path) => `${name}:${positionOf(yaml, path)} ${path.join('.')}:`;
}

/** Parses recipe TEXT (named FILE in messages) into a validated recipe. */
export function parseRecipe(text: string, file: string): Recipe {
  const name = basename(file);
  const yaml = parseYamlDocument(text, name);
  const data: unknown = withPlaceholders(yaml.doc.toJS());
  const result = recipeSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = preciseIssue(result.error.issues[0], data);
  const path = issue?.path ?? [];
  const where = positionOf(yaml, path);
  const field = path.length ? `${path.join('.')}: ` : '';
  throw new RecipeError(`${name}:${where} ${field}${issue?.message ?? 'invalid recipe'}`, {
    hint: 'see `isoforge recipe --schema` and examples/',
  });
}

/** A union of step shapes reports "invalid input"; re-check the step against the shape its key names. */
function preciseIssue(issue: z.core.$ZodIssue | undefined, data: unknown): z.core.$ZodIssue | undefined {
  if (!issue || issue.code !== 'invalid_union') return issue;
  const step = getIn(data, issue.path);
  if (!step || typeof step !== 'object' || Array.isArray(step)) {
    return {
      ...issue,
      message: 'each step must be a map with one of: ' + [...STEP_SCHEMAS.keys()].join(', '),
    };
  }
  const key = Object.keys(step)[0] ?? '';
  const schema = STEP_SCHEMAS.get(key);
  if (!schema) {
    return {
      ...issue,
      message: `unknown step '${key}'; use one of: ${[...STEP_SCHEMAS.keys()].join(', ')}`,
    };
  }
  const inner = schema.safeParse(step);
  const first = inner.success ? undefined : inner.error.issues[0];
  return first ? preciseIssue({ ...first, path: [...issue.path, ...first.path] }, data) : issue;
}
