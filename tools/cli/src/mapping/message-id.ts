import { createHash } from 'node:crypto';

/**
 * The messageId of a row that has none: the same file name, row number and content always give
 * the same id, so re-sending a row (resume, re-run) is deduplicated by the server.
 */
export function deriveMessageId(fileName: string, row: number, content: string | string[]): string {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  const digest = createHash('sha256').update(`${fileName}\n${row}\n${text}`).digest('hex');
  return `import-${digest.slice(0, 32)}`;
}
