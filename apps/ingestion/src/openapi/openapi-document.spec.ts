import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPENAPI_DOCUMENT_FILE, readOpenApiDocument } from './openapi-document';

function fileWith(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, text);
  return file;
}

describe('readOpenApiDocument', () => {
  it("finds the repository's docs/openapi.json", () => {
    expect(OPENAPI_DOCUMENT_FILE).toBe(path.resolve(__dirname, '../../../../docs/openapi.json'));
    const document = JSON.parse(readOpenApiDocument()) as { openapi: unknown };
    expect(typeof document.openapi).toBe('string');
  });

  it('returns the document as its text, unchanged', () => {
    const text = '{\n  "openapi": "3.1.0"\n}\n';
    expect(readOpenApiDocument(fileWith(text))).toBe(text);
  });

  it('refuses a missing file, naming it', () => {
    const missing = path.join(tmpdir(), 'no-such-dir', 'openapi.json');
    expect(() => readOpenApiDocument(missing)).toThrow(
      `the OpenAPI document ${missing} (served at GET /openapi.json) cannot be read`,
    );
  });

  it('refuses a file that is not JSON or has no openapi version', () => {
    expect(() => readOpenApiDocument(fileWith('{'))).toThrow(/is not valid JSON/);
    expect(() => readOpenApiDocument(fileWith('{"swagger":"2.0"}'))).toThrow(
      /has no "openapi" version field/,
    );
  });
});
