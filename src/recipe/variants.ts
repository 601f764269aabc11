import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import { InputError, RecipeError } from '../errors.ts';
import { resolveRecipePath } from '../safety/confine.ts';
import type { LoadedRecipe } from './load.ts';
import { fillMarkers, MARKER } from './markers.ts';
import { type Recipe, recipeSchema } from './schema.ts';

/** The recipe's variants in the order it lists them; none for a recipe without. */
export function variantNames(recipe: Recipe): string[] {
  return Object.keys(recipe.variants ?? {});
}

/**
 * The variants one call builds: all of them, the one --variant names, or the one at
 * --variant-index (0-based, as a CI engine's job index counts).
 */
export function chooseVariants(recipe: Recipe, pick: { name?: string; index?: number }): string[] {
  const names = variantNames(recipe);
  if (pick.name === undefined && pick.index === undefined) return names;
  if (!names.length)
    throw new InputError('--variant and --variant-index need a recipe with variants:', {
      hint: 'add a variants: section, or drop the flag',
    });
  const name = pick.name ?? names[pick.index ?? -1];
  if (name === undefined || !names.includes(name))
    throw new InputError(
      `no variant ${pick.name !== undefined ? `'${pick.name}'` : `at index ${pick.index}`} in the recipe (its variants: ${names.map((n, i) => `${i}: ${n}`).join(', ')})`,
      { hint: 'pick one of those, by name (--variant) or index (--variant-index)' },
    );
  return [name];
}

/**
 * The recipe variant NAME makes: the recipe's data with the variant's overrides merged in, its
 * variables filled in every string and in the text files the recipe puts on the medium or into
 * the image (rendered into RENDERDIR, named there by absolute path), checked whole by the schema.
 * A marker with no variable, or a variable no marker uses, is an error of the recipe.
 */
export async function expandVariant(
  loaded: LoadedRecipe,
  name: string,
  renderDir: string,
): Promise<LoadedRecipe> {
  const variant = loaded.recipe.variants?.[name];
  if (!variant) throw new InputError(`no variant '${name}' in ${loaded.file}`);
  const where = `${basename(loaded.file)} variants.${name}`;
  const merged = mergeVariant(loaded.data, name, variant);
  const used = new Set<string>();
  const filled = fillMarkers(merged, (v) => fillVariable(v, variant.vars, used, where)) as Record<
    string,
    unknown
  >;
  await renderFiles(filled, { dir: loaded.dir, renderDir, vars: variant.vars, used, where });
  const unused = Object.keys(variant.vars).filter((v) => !used.has(v));
  if (unused.length)
    throw new RecipeError(
      `${where}.vars: ${unused.join(', ')} ${unused.length > 1 ? 'are' : 'is'} used nowhere`,
      {
        hint: 'write {{ NAME }} where the value belongs, or drop the variable',
      },
    );
  const result = recipeSchema.safeParse(filled);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new RecipeError(`${where}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`, {
      hint: 'a variant merges over the recipe: check the merged field',
    });
  }
  return { ...loaded, recipe: result.data, data: filled };
}

/** The recipe's output with -NAME before its extension: the default output of variant NAME. */
export function variantOutput(output: string, name: string): string {
  const ext = extname(output);
  return `${output.slice(0, output.length - ext.length)}-${name}${ext}`;
}

type Variant = NonNullable<Recipe['variants']>[string];

function mergeVariant(data: unknown, name: string, variant: Variant): Record<string, unknown> {
  const base = { ...(data as Record<string, unknown>) };
  delete base.variants;
  const layers = { ...((base.layers as Record<string, Record<string, unknown>>) ?? {}) };
  for (const [layer, extra] of Object.entries(variant.layers ?? {})) {
    const own = layers[layer] ?? {};
    layers[layer] = { ...own, steps: [...((own.steps as unknown[]) ?? []), ...extra.steps] };
  }
  return {
    ...base,
    output: variant.output ?? variantOutput(String(base.output), name),
    ...(variant.volumeId ? { volumeId: variant.volumeId } : {}),
    ...(variant.iso ? { iso: mergeObjects(base.iso ?? {}, variant.iso) } : {}),
    layers,
  };
}

/** Objects merge key by key; any other value of B replaces A's. */
function mergeObjects(a: unknown, b: unknown): unknown {
  if (!isPlainObject(a) || !isPlainObject(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = key in a ? mergeObjects(a[key], value) : value;
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of variable NAME, noted as used; a marker no variable fills is an error of the recipe. */
function fillVariable(name: string, vars: Record<string, string>, used: Set<string>, where: string): string {
  const value = vars[name];
  if (value === undefined)
    throw new RecipeError(`${where}: {{ ${name} }} is not a variable of this variant`, {
      hint: `define it under variants.<name>.vars, or write the text without the marker`,
    });
  used.add(name);
  return value;
}

interface RenderContext {
  dir: string;
  renderDir: string;
  vars: Record<string, string>;
  used: Set<string>;
  where: string;
}

/**
 * The text files the recipe names that carry markers (iso.files, the autoinstall files, copy steps
 * of single files) rendered with the variant's values; the recipe then names the rendered copy.
 * Binary files and folders are left alone.
 */
async function renderFiles(recipe: Record<string, unknown>, context: RenderContext): Promise<void> {
  const iso = isPlainObject(recipe.iso) ? recipe.iso : {};
  const holders: Record<string, unknown>[] = [
    ...(Array.isArray(iso.files) ? iso.files.filter(isPlainObject) : []),
    ...(isPlainObject(iso.autoinstall) ? [iso.autoinstall] : []),
    ...Object.values(isPlainObject(recipe.layers) ? recipe.layers : {}).flatMap((layer) =>
      isPlainObject(layer) && Array.isArray(layer.steps)
        ? layer.steps.filter(isPlainObject).flatMap((step) => (isPlainObject(step.copy) ? [step.copy] : []))
        : [],
    ),
  ];
  for (const holder of holders) {
    for (const key of ['src', 'userData', 'metaData']) {
      const path = holder[key];
      if (typeof path === 'string') holder[key] = await renderFile(path, context);
    }
  }
}

async function renderFile(path: string, context: RenderContext): Promise<string> {
  const source = await resolveRecipePath(context.dir, path);
  const info = await stat(source).catch(() => undefined);
  if (!info?.isFile()) return path;
  const text = decodeText(await readFile(source));
  if (text === null || !new RegExp(MARKER.source).test(text)) return path;
  const where = `${context.where} (${path})`;
  const target = join(context.renderDir, relative(context.dir, source).replace(/^(\.\.\/)+/, ''));
  await mkdir(dirname(target), { recursive: true });
  await writeFile(
    target,
    text.replace(MARKER, (_, v: string) => fillVariable(v, context.vars, context.used, where)),
  );
  await chmod(target, info.mode & 0o7777);
  return target;
}

/** TEXT as UTF-8, or null for bytes that are not (a binary file is never filled). */
function decodeText(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
