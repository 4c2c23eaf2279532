import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The API reference kept in the repository; the service runs from its sources, so it is found beside them. */
export const OPENAPI_DOCUMENT_FILE = path.resolve(__dirname, '../../../../docs/openapi.json');

/**
 * Reads the OpenAPI document once, at start-up: a missing or broken file stops the service with
 * a message naming it, rather than a 500 on the first GET /openapi.json.
 */
export function readOpenApiDocument(file = OPENAPI_DOCUMENT_FILE): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `the OpenAPI document ${file} (served at GET /openapi.json) cannot be read: ${(error as Error).message}`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`the OpenAPI document ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof (document as { openapi?: unknown } | null)?.openapi !== 'string') {
    throw new Error(`the OpenAPI document ${file} has no "openapi" version field`);
  }
  return text;
}
