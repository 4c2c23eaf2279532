/** A privacy request that can never be carried out as sent (its identifier is not one). */
export class InvalidPrivacyRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPrivacyRequestError';
  }
}
