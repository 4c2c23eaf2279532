/** Injection token of the activation service's validated configuration. */
export const ACTIVATION_CONFIG = Symbol('ACTIVATION_CONFIG');
