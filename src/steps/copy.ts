import { z } from 'zod';
import { defineStep } from './define.ts';

/** copy: a file or folder from the recipe's folder into the image, with mode and owner. */
export const copyStep = defineStep({
  name: 'copy',
  schema: z.strictObject({
    src: z.string().min(1).describe('file or folder on the host, relative to the recipe'),
    dest: z
      .string()
      .regex(/^\//, 'must be an absolute path inside the image, e.g. /etc/oem.conf')
      .describe('where it goes in the image'),
    mode: z
      .string()
      .regex(/^0?[0-7]{3,4}$/, 'must be an octal mode such as "0644"')
      .optional(),
    owner: z
      .string()
      .regex(/^[\w.-]+(:[\w.-]+)?$/, 'must be "user" or "user:group"')
      .optional(),
  }),
  describe: (p) => `copy ${p.src} -> ${p.dest}`,
  plan: (p) => ({
    actions: [
      { kind: 'copy-in', source: p.src, dest: p.dest },
      ...(p.mode ? [{ kind: 'chmod' as const, dest: p.dest, mode: parseInt(p.mode, 8) }] : []),
      ...(p.owner ? [{ kind: 'program' as const, argv: ['chown', '-R', p.owner, p.dest] }] : []),
    ],
  }),
  writes: (p) => [p.dest],
  reads: (p) => [p.src],
});
