import { z } from 'zod';

/**
 * The recipe file format. Everything a build does comes from here, validated before any work
 * starts; `isoforge recipe --schema` prints it as JSON Schema for editors.
 */
const relativeOrAbsolutePath = z.string().min(1);
const imagePath = z.string().regex(/^\//, 'must be an absolute path inside the image, e.g. /etc/oem.conf');
const packageName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9+.-]*(?:[:=][^\s]+)?$/, 'must be a Debian package name');
const packageList = z.array(packageName).min(1);

export const copyStep = z.strictObject({
  copy: z.strictObject({
    src: relativeOrAbsolutePath.describe('file or folder on the host, relative to the recipe'),
    dest: imagePath.describe('where it goes in the image'),
    mode: z
      .string()
      .regex(/^0?[0-7]{3,4}$/, 'must be an octal mode such as "0644"')
      .optional(),
    owner: z
      .string()
      .regex(/^[\w.-]+(:[\w.-]+)?$/, 'must be "user" or "user:group"')
      .optional(),
  }),
});

export const debsStep = z.strictObject({
  debs: z.array(relativeOrAbsolutePath).min(1).describe('local .deb files: dpkg -i, then apt-get -f install'),
});

export const aptStep = z.strictObject({
  apt: z
    .strictObject({
      update: z.boolean().optional(),
      install: packageList.optional(),
      remove: packageList.optional(),
      purge: packageList.optional(),
      hold: packageList.optional(),
      unhold: packageList.optional(),
    })
    .refine(
      (apt) => Object.keys(apt).length > 0,
      'needs at least one of update, install, remove, purge, hold, unhold',
    ),
});

export const kernelStep = z.strictObject({
  kernel: z.strictObject({
    version: z.string().regex(/^\d+\.\d+[\w.+~-]*$/, 'must be a kernel release such as 5.15.0-119-generic'),
    hold: z.boolean().default(true),
    headers: z.boolean().default(true),
  }),
});

export const runStep = z.strictObject({
  run: z.union([
    z.string().min(1),
    z.strictObject({ script: z.string().min(1), env: z.record(z.string(), z.string()).optional() }),
  ]),
});

export const initramfsStep = z.strictObject({
  initramfs: z.union([z.literal(true), z.strictObject({ kernels: z.array(z.string()).min(1) })]),
});

export const shellStep = z.strictObject({ shell: z.literal(true) });

export const STEP_SCHEMAS = {
  copy: copyStep,
  debs: debsStep,
  apt: aptStep,
  kernel: kernelStep,
  run: runStep,
  initramfs: initramfsStep,
  shell: shellStep,
} as const;
export type StepName = keyof typeof STEP_SCHEMAS;

export const stepSchema = z.union([
  copyStep,
  debsStep,
  aptStep,
  kernelStep,
  runStep,
  initramfsStep,
  shellStep,
]);

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
    })
    .optional(),
});

export type Recipe = z.infer<typeof recipeSchema>;
export type RecipeStep = z.infer<typeof stepSchema>;
export type LayerRecipe = z.infer<typeof layerSchema>;

/** The JSON Schema of the recipe format, for editors (yaml-language-server) and documentation. */
export function makeRecipeJsonSchema(): unknown {
  return z.toJSONSchema(recipeSchema, { io: 'input' });
}
