/** A request given up between tries because the import is stopping; its rows stay unacknowledged. */
export class DeliveryInterruptedError extends Error {
  constructor() {
    super('the import stopped before this batch was delivered');
    this.name = 'DeliveryInterruptedError';
  }
}
