/** A checkpoint that cannot be read; resuming from a guess could skip rows never sent. */
export class CheckpointError extends Error {
  constructor(path: string, problem: string) {
    super(`cannot resume from ${path}: ${problem}; remove it or pass --restart`);
    this.name = 'CheckpointError';
  }
}
