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
  repack: z
    .enum(['reuse', 'full'])
    .default('reuse')
    .describe(
      'reuse: copy the blocks of unchanged files from the original layer (when the compression and block size are kept); full: mksquashfs everything',
    ),
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

const kernelArgument = z
  .string({
    // YAML's [a,b] splits console=ttyS0,115200 in two, the second a number.
    error: "must be a string: quote an argument with a comma, like 'console=ttyS0,115200'",
  })
  .min(1)
  .regex(
    /^[^\s"'\\]+$/,
    'one kernel argument: no spaces, quotes or backslashes (GRUB quoting is added for you)',
  );

/** Kernel arguments added to or removed from the menu entries that boot the live kernel. */
export const cmdlineSchema = z.strictObject({
  add: z.array(kernelArgument).default([]),
  remove: z.array(kernelArgument).default([]).describe('an argument, or NAME= to remove every NAME=VALUE'),
  entries: z
    .string()
    .optional()
    .describe('a regular expression over entry titles; default: every entry that boots the live kernel'),
  side: z
    .enum(['live', 'installed'])
    .default('live')
    .describe(
      "live: before '---' (the live system only); installed: after it (copied to the installed system)",
    ),
});

export const menuSchema = z.strictObject({
  timeout: z.number().int().min(0).max(3600).optional().describe('seconds before the default entry boots'),
  default: z.string().min(1).optional().describe('the title of the entry booted by default'),
  add: z
    .array(
      z.strictObject({
        title: z.string().min(1),
        from: z.string().min(1).describe('the title of the entry to copy'),
        cmdline: cmdlineSchema.omit({ entries: true }).optional(),
        default: z.boolean().default(false),
      }),
    )
    .default([])
    .describe('new entries, each copied from an existing one with other kernel arguments'),
});

const isoPath = z
  .string()
  .regex(/^\//, 'must be an absolute path on the medium, like /extra/file')
  .refine((path) => !path.split('/').includes('..'), 'must not contain .. (it would leave the medium)');

export const isoSchema = z.strictObject({
  cmdline: cmdlineSchema.optional(),
  menu: menuSchema.optional(),
  autoinstall: z
    .strictObject({
      userData: relativeOrAbsolutePath.describe("subiquity's autoinstall file (user-data)"),
      metaData: relativeOrAbsolutePath.optional(),
      entry: z
        .enum(['add', 'replace'])
        .default('add')
        .describe(
          "add: a new 'Install automatically' entry; replace: the arguments go into the existing entries",
        ),
    })
    .optional(),
  files: z
    .array(
      z.strictObject({
        src: relativeOrAbsolutePath,
        dest: isoPath,
        mode: z
          .string()
          .regex(/^0?[0-7]{3,4}$/, 'must be an octal mode such as "0755"')
          .transform((mode) => parseInt(mode, 8))
          .optional(),
      }),
    )
    .default([]),
  remove: z.array(isoPath).default([]),
  diskInfo: z.string().min(1).max(200).optional().describe('the text of /.disk/info'),
  pool: z
    .strictObject({
      debs: z.array(relativeOrAbsolutePath).default([]),
      packages: z
        .array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be a Debian package name'))
        .default([]),
    })
    .optional()
    .describe("packages for the medium's pool/, signed with the recipe's sign: key"),
});

/**
 * One variant: a partial override of the recipe, checked whole once merged (variants.ts). Objects
 * merge key by key, anything else replaces the recipe's value; a layer's steps run after the
 * recipe's own. VARS fill the {{ NAME }} markers of the recipe's text and of the text files it puts
 * on the medium or into the image.
 */
const variantSchema = z.strictObject({
  output: relativeOrAbsolutePath.optional().describe("default: the recipe's output with -NAME before .iso"),
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
    input: relativeOrAbsolutePath.describe('the original ISO, relative to the recipe'),
    output: relativeOrAbsolutePath.describe('the ISO to write, relative to the recipe'),
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
      .record(z.string().regex(/^[\w.+-]+$/, 'must be a layer file name without .squashfs'), layerSchema)
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
export type IsoRecipe = z.infer<typeof isoSchema>;
export type CmdlineRecipe = z.infer<typeof cmdlineSchema>;
export type MenuRecipe = z.infer<typeof menuSchema>;

/** The JSON Schema of the recipe format, for editors (yaml-language-server) and documentation. */
export function makeRecipeJsonSchema(): unknown {
  return z.toJSONSchema(recipeSchema, { io: 'input' });
}
