/** Injection token of the identity service's configuration. */
export const IDENTITY_CONFIG = Symbol('IDENTITY_CONFIG');
