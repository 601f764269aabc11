import { z } from 'zod';
import { type RecipeStep, STEPS } from '../steps/registry.ts';

/**
 * The recipe file format. Everything a build does comes from here, validated before any work
 * starts; `isoforge recipe --schema` prints it as JSON Schema for editors.
 */
const relativeOrAbsolutePath = z.string().min(1);
/** Each registered step as the map the recipe writes, `{ NAME: PARAMS }`. */
const stepShapes = STEPS.map((step) => z.strictObject({ [step.name]: step.schema }));

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
});

export const signSchema = z
  .strictObject({
    key: z
      .string()
      .regex(/^[0-9A-Fa-f]{16,40}$/, 'must be a key fingerprint')
      .optional(),
    generate: z
      .strictObject({ name: z.string().min(1), email: z.string().email(), expiry: z.string().default('3y') })
      .optional(),
    passphraseFile: relativeOrAbsolutePath.optional(),
    gnupgHome: relativeOrAbsolutePath.optional(),
  })
  // Checked here, not when signing starts: a recipe without a key would fail after the long customization.
  .refine((sign) => Boolean(sign.key) !== Boolean(sign.generate), {
    message: 'give either key (a fingerprint) or generate (name, email, expiry)',
  });

export const recipeSchema = z.strictObject({
  input: relativeOrAbsolutePath.describe('the original ISO, relative to the recipe'),
  output: relativeOrAbsolutePath.describe('the ISO to write, relative to the recipe'),
  volumeId: z.string().min(1).max(32).optional().describe('default: keep the original'),
  bootSetup: z.enum(['replay', 'explicit']).default('replay'),
  layers: z.record(
    z.string().regex(/^[\w.+-]+$/, 'must be a layer file name without .squashfs'),
    layerSchema,
  ),
  sign: signSchema.optional(),
  verify: z
    .strictObject({
      boot: z.array(
        z
          .string()
          .regex(
            /^(bios|uefi|uefi-secureboot)(\/(cdrom|usb))?$/,
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
});

export type Recipe = z.infer<typeof recipeSchema>;
export type { RecipeStep };
export type LayerRecipe = z.infer<typeof layerSchema>;

/** The JSON Schema of the recipe format, for editors (yaml-language-server) and documentation. */
export function makeRecipeJsonSchema(): unknown {
  return z.toJSONSchema(recipeSchema, { io: 'input' });
}
