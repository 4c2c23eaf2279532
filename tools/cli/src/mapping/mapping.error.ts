/** The column mapping cannot work for this file (a typo in --map, a column the header lacks). */
export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}
