import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';

// GitLab's own published schema for .gitlab-ci.yml (gitlab-org/gitlab, editor/schema/ci.json), from
// the schemastore package's offline copy of the SchemaStore catalog.
const CI_SCHEMA =
  'schemastore/schemas/json/gitlab.com/gitlab-org/gitlab/-/raw/master/app/assets/javascripts/editor/schema/ci.json';

/** The errors GitLab's CI schema finds in a parsed pipeline file ([] when it is valid). */
export async function gitlabCiErrors(pipeline: unknown): Promise<string[]> {
  const schema = JSON.parse(
    await readFile(createRequire(import.meta.url).resolve(CI_SCHEMA), 'utf8'),
  ) as object;
  // The schema uses formats and keywords of its own (markdownDescription): check structure, not those.
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  if (validate(pipeline)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`);
}
