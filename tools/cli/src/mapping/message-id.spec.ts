import { deriveMessageId } from './message-id';

describe('deriveMessageId', () => {
  it('gives the same id for the same file name, row and content', () => {
    expect(deriveMessageId('users.csv', 7, ['u1', 'a@b.c'])).toBe(
      deriveMessageId('users.csv', 7, ['u1', 'a@b.c']),
    );
  });

  it('gives another id when the row number, the content or the file name differs', () => {
    const id = deriveMessageId('users.csv', 7, ['u1', 'a@b.c']);
    expect(deriveMessageId('users.csv', 8, ['u1', 'a@b.c'])).not.toBe(id);
    expect(deriveMessageId('users.csv', 7, ['u1', 'x@b.c'])).not.toBe(id);
    expect(deriveMessageId('other.csv', 7, ['u1', 'a@b.c'])).not.toBe(id);
  });

  it('tells apart fields that join to the same text', () => {
    expect(deriveMessageId('f.csv', 1, ['a,b', 'c'])).not.toBe(
      deriveMessageId('f.csv', 1, ['a', 'b,c']),
    );
  });

  it('is import- followed by 32 hex digits', () => {
    expect(deriveMessageId('events.ndjson', 1, '{"event":"x"}')).toMatch(/^import-[0-9a-f]{32}$/);
  });
});
