/** The write key is unknown, expired, or its source is disabled: the request is not authenticated. */
export class UnauthorizedSourceError extends Error {
  constructor(
    message: string,
    readonly reason: 'unknown_source' | 'source_disabled',
    readonly sourceId: string | null = null,
  ) {
    super(message);
    this.name = 'UnauthorizedSourceError';
  }
}

export class SourceNotFoundError extends Error {
  constructor(readonly sourceId: string) {
    super(`no source with id ${sourceId}`);
    this.name = 'SourceNotFoundError';
  }
}
