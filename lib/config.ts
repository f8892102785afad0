/**
 * The one c360 configuration. The CDK app, the Lambda handlers (the config is
 * bundled into them) and the local runtime all read the object this schema
 * validates; nothing is described twice.
 *
 * Pure module: no AWS SDK, no CDK import, so core/ and handlers may use it.
 */
import { z } from 'zod';

const identifierType = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'identifier types are alphanumeric names such as "email" or "loyaltyId"');

export const configSchema = z
  .object({
    /** Prefix of the five stack names (`<appName>-collection`, ...). */
    appName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,30}$/).default('c360'),
    /** Target account/region; both default to the CDK CLI's environment. */
    env: z
      .object({ account: z.string().optional(), region: z.string().optional() })
      .prefault({}),
    /**
     * What `cdk destroy` does to stateful resources (tables, streams, buckets, keys).
     * `retain` is the safe default for real data; `destroy` suits throw-away stacks.
     */
    removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
    /** CloudWatch Logs retention for every function's log group, in days. */
    logRetentionDays: z
      .union([z.literal(1), z.literal(3), z.literal(5), z.literal(7), z.literal(14), z.literal(30), z.literal(60), z.literal(90), z.literal(180), z.literal(365)])
      .default(30),
    collection: z
      .object({
        stream: z
          .object({
            /** `on-demand` scales by itself; `provisioned` uses `shards`. */
            mode: z.enum(['on-demand', 'provisioned']).default('on-demand'),
            shards: z.number().int().min(1).max(500).default(1),
            /** How long records stay replayable (24 h to 365 days). */
            retentionHours: z.number().int().min(24).max(8760).default(24),
          })
          .prefault({}),
      })
      .prefault({}),
    unification: z
      .object({
        consumer: z
          .object({
            batchSize: z.number().int().min(1).max(10000).default(500),
            maxBatchingWindowSeconds: z.number().int().min(0).max(300).default(1),
            parallelizationFactor: z.number().int().min(1).max(10).default(1),
            /** Retries of a failing batch before its records go to the on-failure queue. */
            maxRetryAttempts: z.number().int().min(0).max(10000).default(5),
            /** Records older than this are sent to the on-failure queue instead of retried. */
            maxRecordAgeSeconds: z.number().int().min(60).max(604800).default(3600),
            memorySize: z.number().int().min(128).max(10240).default(1024),
            timeoutSeconds: z.number().int().min(1).max(900).default(60),
          })
          .prefault({}),
        identity: z
          .object({
            /**
             * Identifier types that link events to profiles, highest priority first.
             * The four Segment identifiers are built in; custom ones (e.g. `loyaltyId`)
             * are read from `context.externalIds`, `traits` or `properties` by name.
             */
            identifiers: z.array(identifierType).min(1).default(['userId', 'email', 'phone', 'anonymousId']),
          })
          .prefault({}),
        /**
         * A re-sent message (same messageId) within this window is applied once.
         * Segment documents the same 24-hour de-duplication window.
         */
        dedupeWindowHours: z.number().int().min(1).max(8760).default(24),
        /** `Order Completed` revenue: which property holds it. */
        revenueProperties: z.array(z.string()).min(1).default(['revenue', 'total']),
      })
      .prefault({}),
    normalization: z
      .object({
        /** ISO 3166 region used to read phone numbers written without a country code. */
        defaultPhoneRegion: z.string().length(2).toUpperCase().default('US'),
      })
      .prefault({}),
    profileApi: z
      .object({
        /** Steady-state requests/s and burst of the deployed profile API stage. */
        throttleRateLimit: z.number().positive().default(500),
        throttleBurstLimit: z.number().int().positive().default(1000),
      })
      .prefault({}),
    local: z
      .object({
        /** Folder for the local runtime's state: lake, quarantine, on-failure queue. */
        dataDir: z.string().default('.c360'),
        /** Port of the local profile API (0 picks a free one). */
        apiPort: z.number().int().min(0).max(65535).default(4360),
        /** How often the local poller reads each shard, in milliseconds. */
        pollIntervalMs: z.number().int().min(10).max(10000).default(200),
      })
      .prefault({}),
  })
  .strict();

export type C360ConfigInput = z.input<typeof configSchema>;
export type C360Config = z.output<typeof configSchema>;

/** Validates a config object, throwing one readable error listing every problem. */
export function parseConfig(input: unknown): C360Config {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('\n');
    throw new Error(`Invalid c360 config:\n${problems}`);
  }
  return result.data;
}

/** Identity: lets a config file type-check its literal while staying plain data. */
export function defineConfig(input: C360ConfigInput): C360ConfigInput {
  return input;
}
