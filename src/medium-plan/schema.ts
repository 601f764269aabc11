import { z } from 'zod';

/**
 * The recipe's `iso:` and `sign:` sections, beside the planners that read them; src/recipe/schema.ts
 * composes them into the recipe format.
 */

/** A host path in a recipe, relative to the recipe's folder unless absolute. */
export const recipePathSchema = z.string().min(1);

export const signSchema = z
  .strictObject({
    key: z
      .string()
      .regex(/^[0-9A-Fa-f]{16,40}$/, 'must be a key fingerprint')
      .optional(),
    generate: z
      .strictObject({ name: z.string().min(1), email: z.string().email(), expiry: z.string().default('3y') })
      .optional(),
    passphraseFile: recipePathSchema.optional(),
    gnupgHome: recipePathSchema.optional(),
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
const cmdlineSchema = z.strictObject({
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

const menuSchema = z.strictObject({
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

const autoinstallRecipeSchema = z.strictObject({
  userData: recipePathSchema.describe("subiquity's autoinstall file (user-data)"),
  metaData: recipePathSchema.optional(),
  entry: z
    .enum(['add', 'replace'])
    .default('add')
    .describe(
      "add: a new 'Install automatically' entry; replace: the arguments go into the existing entries",
    ),
});

const poolRecipeSchema = z.strictObject({
  debs: z.array(recipePathSchema).default([]),
  packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be a Debian package name')).default([]),
});

export const isoSchema = z.strictObject({
  cmdline: cmdlineSchema.optional(),
  menu: menuSchema.optional(),
  autoinstall: autoinstallRecipeSchema.optional(),
  files: z
    .array(
      z.strictObject({
        src: recipePathSchema,
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
  pool: poolRecipeSchema
    .optional()
    .describe("packages for the medium's pool/, signed with the recipe's sign: key"),
});

export type SignRecipe = z.infer<typeof signSchema>;
export type IsoRecipe = z.infer<typeof isoSchema>;
export type CmdlineRecipe = z.infer<typeof cmdlineSchema>;
export type AutoinstallRecipe = z.infer<typeof autoinstallRecipeSchema>;
export type PoolRecipe = z.infer<typeof poolRecipeSchema>;
