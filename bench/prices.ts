/**
 * AWS list prices used to turn measured usage into cost (us-east-1, on-demand,
 * as published by AWS at the time of writing). Printed with every run so a
 * reader can check them against the current price pages.
 */
export const PRICES = {
  region: 'us-east-1',
  /** Kinesis Data Streams on-demand: data ingested and data retrieved, per GB (the per-stream hourly charge is left out: it does not scale with events). */
  kinesisIngestPerGb: 0.08,
  kinesisRetrievalPerGb: 0.04,
  /** Lambda on arm64: per GB-second of duration, and per million requests (one request per batch). */
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** DynamoDB on-demand: per million write request units and read request units. */
  dynamodbPerMillionWrites: 0.625,
  dynamodbPerMillionReads: 0.125,
} as const;
