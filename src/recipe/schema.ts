import { z } from 'zod';
import { isoSchema, recipePathSchema, signSchema } from '../medium-plan/schema.ts';
import { type RecipeStep, STEPS } from '../steps/registry.ts';

/**
 * The recipe file format. Everything a build does comes from here, validated before any work
 * starts; `isoforge recipe --schema` prints it as JSON Schema for editors. The sections a lower
 * folder plans (steps, iso:, sign:) have their schemas there; this file composes them.
 */

/** StepOptions (steps/registry.ts): what any step may say beside its `NAME: PARAMS`. */
const stepOptions = {
  network: z
    .enum(['host', 'none'])
    .optional()
    .describe("none: the step's programs get a network of their own, loopback only (default: the host's)"),
};

/** Each registered step as the map the recipe writes, `{ NAME: PARAMS }`, with the step options. */
const stepShapes = STEPS.map((step) => z.strictObject({ [step.name]: step.schema, ...stepOptions }));

/** The schema of each step's `{ NAME: PARAMS }` map, by name: positioned errors re-check a step against it. */
export const STEP_SCHEMAS: ReadonlyMap<string, z.ZodType> = new Map(
  STEPS.map((step, i) => [step.name, stepShapes[i] as z.ZodType]),
);

export const stepSchema = z.union(
  stepShapes as unknown as [z.ZodType<RecipeStep>, ...z.ZodType<RecipeStep>[]],
);

export const compressionSchema = z.strictObject({
  algorithm: z.enum(['gzip', 'xz', 'zstd', 'lz4', 'lzo']),
  level: z.number().int().min(1).max(22).optional(),
  blockSize: z
    .number()
    .int()
    .refine(
      (n) => n >= 4096 && n <= 1048576 && (n & (n - 1)) === 0,
      'must be a power of two from 4096 to 1048576',
    )
    .optional(),
});

export const layerSchema = z.strictObject({
  steps: z.array(stepSchema).min(1),
  compression: compressionSchema
    .optional()
    .describe("default: the original layer's compression and block size"),
  allowShadowed: z.boolean().default(false),
  repack: z
    .enum(['reuse', 'full'])
    .default('reuse')
    .describe(
      'reuse: copy the blocks of unchanged files from the original layer (when the compression and block size are kept); full: mksquashfs everything',
    ),
});

/**
 * One variant: a partial override of the recipe, checked whole once merged (variants.ts). Objects
 * merge key by key, anything else replaces the recipe's value; a layer's steps run after the
 * recipe's own. VARS fill the {{ NAME }} markers of the recipe's text and of the text files it puts
 * on the medium or into the image.
 */
const variantSchema = z.strictObject({
  output: recipePathSchema.optional().describe("default: the recipe's output with -NAME before .iso"),
  volumeId: z.string().min(1).max(32).optional(),
  vars: z
    .record(z.string().regex(/^[A-Za-z_][\w-]*$/, 'must be a name like SITE or site_id'), z.string())
    .default({}),
  iso: z.record(z.string(), z.unknown()).optional().describe("merged over the recipe's iso:"),
  layers: z
    .record(z.string(), z.strictObject({ steps: z.array(z.unknown()).min(1) }))
    .optional()
    .describe("steps run after the recipe's own steps of that layer"),
});

export const recipeSchema = z
  .strictObject({
    input: recipePathSchema.describe('the original ISO, relative to the recipe'),
    output: recipePathSchema.describe('the ISO to write, relative to the recipe'),
    volumeId: z.string().min(1).max(32).optional().describe('default: keep the original'),
    bootSetup: z.enum(['replay', 'explicit']).default('replay'),
    standardBootSetup: z
      .boolean()
      .default(false)
      .describe(
        "write Ubuntu's standard setup (Joliet, the gap partition, no emulated TOC) where the input lacks it; default: keep the input's",
      ),
    sourceDateEpoch: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional()
      .describe(
        'seconds since 1970: a reproducible build (fixed squashfs, ISO and signature dates); default: the SOURCE_DATE_EPOCH environment variable, else none',
      ),
    cacheLimit: z
      .string()
      .regex(/^\d+(\.\d+)?\s*[KMGT]?(i?B)?$/i, 'must be a size like 20G or 512M')
      .optional()
      .describe('the layer cache size limit (default: ISOFORGE_CACHE_LIMIT, else 20G)'),
    layers: z
      .record(
        z
          .string()
          .regex(
            /^(?:system:)?[\w.+-]+$/,
            'must be a layer file name without .squashfs, or a target: installer, system, system:ID',
          ),
        layerSchema,
      )
      .default({}),
    iso: isoSchema.optional().describe('changes to the medium itself: menus, kernel arguments, files, pool'),
    variants: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be a lowercase name like site-a'),
        variantSchema,
      )
      .optional()
      .describe(
        'per-site or per-model variants of this recipe: `isoforge build` builds each (src/recipe/variants.ts)',
      ),
    sign: signSchema.optional(),
    verify: z
      .strictObject({
        boot: z.array(
          z
            .string()
            .regex(
              /^(bios|uefi|uefi-secureboot)(\/(cdrom|usb|loopback))?$/,
              'must be like bios, uefi/usb or bios/cdrom',
            ),
        ),
        expect: z.string().optional(),
        timeout: z
          .number()
          .int()
          .positive()
          .optional()
          .describe('seconds each boot may take before it counts as failed (default 180)'),
      })
      .optional(),
  })
  // A pool signed with no key would fail after the long layer work; say so before it starts.
  .refine((recipe) => !recipe.iso?.pool || recipe.sign, {
    path: ['iso', 'pool'],
    message:
      'a pool needs a signing key: add sign: { key: FINGERPRINT } (or sign: { generate: ... }) to the recipe',
  });

export type Recipe = z.infer<typeof recipeSchema>;
export type { RecipeStep };
export type LayerRecipe = z.infer<typeof layerSchema>;

/** The JSON Schema of the recipe format, for editors (yaml-language-server) and documentation. */
export function makeRecipeJsonSchema(): unknown {
  return z.toJSONSchema(recipeSchema, { io: 'input' });
}
