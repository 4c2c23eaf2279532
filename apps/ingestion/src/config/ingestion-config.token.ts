/** Injection token of the validated IngestionConfig. */
export const INGESTION_CONFIG = Symbol('INGESTION_CONFIG');
