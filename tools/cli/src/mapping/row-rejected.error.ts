/** A row that cannot become an event; it is reported, not sent, and the import goes on. */
export class RowRejectedError extends Error {
  constructor(
    readonly reason: 'invalid_json' | 'invalid_value' | 'invalid_row',
    message: string,
  ) {
    super(message);
    this.name = 'RowRejectedError';
  }
}
