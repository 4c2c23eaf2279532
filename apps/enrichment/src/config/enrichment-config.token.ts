/** Injection token of the enrichment service's configuration. */
export const ENRICHMENT_CONFIG = Symbol('ENRICHMENT_CONFIG');
