import path from 'node:path';
import { checkBackwardCompatibility } from '../src/compatibility/check-compatibility';
import {
  CURRENT_SCHEMA_DIR,
  readSchemaDirectory,
  RELEASED_SCHEMA_DIR,
  schemaFullName,
} from '../src/schemas/schema-directory';

const HOW_TO_EVOLVE =
  'Give new fields defaults, keep removed enum symbols or add an enum default, and only widen ' +
  'types as Avro promotes them (int -> long, float or double; float -> double; string <-> bytes).';

/**
 * `npm run schemas:check`: fails when a current schema can no longer read records written with a
 * released version (libs/contracts/released), or when a released schema was removed.
 */
function main(): number {
  const current = readSchemaDirectory(CURRENT_SCHEMA_DIR).map((file) => file.schema);
  const released = readSchemaDirectory(RELEASED_SCHEMA_DIR);
  let failures = 0;
  for (const { file, schema } of released) {
    const problems = checkBackwardCompatibility(current, [schema]);
    failures += problems.length;
    if (!problems.length) {
      console.log(`ok    ${schemaFullName(schema)} can read records written with ${file}`);
    }
    for (const problem of problems) {
      const where = problem.path ? `${problem.schema}.${problem.path}` : problem.schema;
      console.error(`FAIL  ${where} (released in ${file}): ${problem.message}`);
    }
  }
  const releasedNames = new Set(released.map(({ schema }) => schemaFullName(schema)));
  const unreleased = current.filter((schema) => !releasedNames.has(schemaFullName(schema)));
  for (const schema of unreleased) {
    console.log(`new   ${schemaFullName(schema)} has no released version yet`);
  }
  if (failures) {
    const releasedDir = path.relative(process.cwd(), RELEASED_SCHEMA_DIR);
    console.error(
      `\n${failures} backward-incompatible change(s) against ${releasedDir}. ${HOW_TO_EVOLVE}`,
    );
  }
  return failures ? 1 : 0;
}

process.exitCode = main();
