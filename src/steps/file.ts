import { z } from 'zod';
import { defineStep } from './define.ts';

/** file: a small file written into the image from text in the recipe (a config line, a key). */
export const fileStep = defineStep({
  name: 'file',
  schema: z.strictObject({
    dest: z
      .string()
      .regex(/^\//, 'must be an absolute path inside the image, e.g. /etc/oem.conf')
      .describe('where it goes in the image'),
    content: z.string().describe('the whole text of the file'),
    mode: z
      .string()
      .regex(/^0?[0-7]{3,4}$/, 'must be an octal mode such as "0644"')
      .default('0644'),
  }),
  describe: (p) => `file ${p.dest} (${p.content.length} bytes)`,
  plan: (p) => ({
    actions: [{ kind: 'write', dest: p.dest, content: p.content, mode: parseInt(p.mode, 8) }],
  }),
  writes: (p) => [p.dest],
});
