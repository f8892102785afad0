/**
 * Environment variables of the collection functions: the stack sets them
 * (lib/), the Lambda entries (functions/) read them. Named once here.
 */
export const COLLECTION_ENV = {
  /** The Kinesis events stream. */
  stream: 'STREAM_NAME',
  /** The landing bucket of batch files. */
  landingBucket: 'LANDING_BUCKET',
  /** The Secrets Manager secret holding the write keys. */
  writeKeysSecret: 'WRITE_KEYS_SECRET_ARN',
} as const;
