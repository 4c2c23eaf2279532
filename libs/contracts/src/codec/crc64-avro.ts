/**
 * CRC-64-AVRO, the Rabin fingerprint the Avro specification defines for schema fingerprints
 * ("Schema Fingerprints" in the spec). JavaScript has no 64-bit integer arithmetic short of
 * BigInt, which is slow per byte, so the register is kept as two unsigned 32-bit halves.
 */

/** The fingerprint of zero bytes, which is also the algorithm's seed. */
export const CRC64_AVRO_EMPTY = 0xc15d213aa4d7a795n;

const EMPTY_HIGH = 0xc15d213a;
const EMPTY_LOW = 0xa4d7a795;

const { high: TABLE_HIGH, low: TABLE_LOW } = buildTable();

/** CRC-64-AVRO of the bytes, or of a string's UTF-8 bytes. */
export function crc64Avro(input: Uint8Array | string): bigint {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  let high = EMPTY_HIGH;
  let low = EMPTY_LOW;
  for (let i = 0; i < bytes.length; i++) {
    const index = (low ^ bytes[i]) & 0xff;
    low = ((low >>> 8) | (high << 24)) ^ TABLE_LOW[index];
    high = (high >>> 8) ^ TABLE_HIGH[index];
  }
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

function buildTable(): { high: Uint32Array; low: Uint32Array } {
  const high = new Uint32Array(256);
  const low = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let h = 0;
    let l = i;
    for (let bit = 0; bit < 8; bit++) {
      const carry = l & 1;
      l = (l >>> 1) | (h << 31);
      h = h >>> 1;
      if (carry) {
        h ^= EMPTY_HIGH;
        l ^= EMPTY_LOW;
      }
    }
    high[i] = h >>> 0;
    low[i] = l >>> 0;
  }
  return { high, low };
}
