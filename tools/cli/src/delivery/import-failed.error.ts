/** Stops the whole import (bad write key, server gone for good, refused request); a re-run resumes. */
export class ImportFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFailedError';
  }
}
