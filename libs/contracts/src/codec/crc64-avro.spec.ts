import fc from 'fast-check';
import { CRC64_AVRO_EMPTY, crc64Avro } from './crc64-avro';

/** The specification's algorithm, transcribed literally with BigInt, as the reference. */
function referenceCrc64Avro(bytes: Uint8Array): bigint {
  const mask = (1n << 64n) - 1n;
  const table = Array.from({ length: 256 }, (_, i) => {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (CRC64_AVRO_EMPTY & -(fp & 1n) & mask);
    return fp;
  });
  let fp = CRC64_AVRO_EMPTY;
  for (const byte of bytes) fp = (fp >> 8n) ^ table[Number((fp ^ BigInt(byte)) & 0xffn)];
  return fp;
}

describe('crc64Avro', () => {
  it('fingerprints zero bytes as the empty value 0xc15d213aa4d7a795', () => {
    expect(crc64Avro(new Uint8Array())).toBe(0xc15d213aa4d7a795n);
  });

  // Expected values printed by Apache Avro Java 1.12.2, SchemaNormalization.parsingFingerprint64.
  it.each([
    ['"int"', 0x7275d51a3f395c8fn],
    ['"string"', 0x8f014872634503c7n],
    ['"null"', 0x63dd24e7cc258f8an],
  ])('fingerprints the canonical form %s as Apache Avro Java does', (canonicalForm, expected) => {
    expect(crc64Avro(canonicalForm)).toBe(expected);
  });

  it('hashes a string as its UTF-8 bytes', () => {
    expect(crc64Avro('Grüße 🚀')).toBe(crc64Avro(Buffer.from('Grüße 🚀', 'utf8')));
  });

  it('agrees with the specification algorithm on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc64Avro(bytes)).toBe(referenceCrc64Avro(bytes));
      }),
    );
  });
});
