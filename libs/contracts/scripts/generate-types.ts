import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CURRENT_SCHEMA_DIR, readSchemaDirectory } from '../src/schemas/schema-directory';
import { renderSchemaTypes } from './render-schema-types';

/** Where the generated types live; the unit test of render-schema-types fails when it is stale. */
export const SCHEMA_TYPES_FILE = path.resolve(
  __dirname,
  '..',
  'src',
  'generated',
  'schema-types.ts',
);

if (require.main === module) {
  const schemas = readSchemaDirectory(CURRENT_SCHEMA_DIR).map((file) => file.schema);
  writeFileSync(SCHEMA_TYPES_FILE, renderSchemaTypes(schemas));
  console.log(`Wrote ${path.relative(process.cwd(), SCHEMA_TYPES_FILE)}`);
}
