/**
 * The one c360 configuration. The CDK app, the Lambda handlers (the config is
 * bundled into them) and the local runtime all read the object this schema
 * validates; nothing is described twice.
 *
 * Pure module: no AWS SDK, no CDK import, so core/ and handlers may use it.
 */
// zod/mini: the same validation as zod, a fraction of the bundle (this module is bundled into every Lambda).
import * as z from 'zod/mini';
import './zod-locale';
import { computedTraitsSchema, EXAMPLE_COMPUTED_TRAITS } from '../unification/core/traits/computed-traits';
import { matchingRulesSchema } from '../unification/core/matching/rules';
import { EXAMPLE_SEGMENTS, segmentsSchema } from '../unification/core/segments/segments';

const identifierType = z
  .string()
  .check(z.regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'identifier types are alphanumeric names such as "email" or "loyaltyId"'));

const int = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));
const withDefault = <T extends z.core.SomeType>(schema: T, value: z.core.util.NoUndefined<z.core.output<T>>) =>
  z._default(schema, value);
/** An object section whose every field has a default: omitting the section takes them all. */
const section = <T extends z.core.$ZodLooseShape>(shape: T) => z.prefault(z.strictObject(shape), {} as never);

const sourceName = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,62}$/, 'source names are lower-case letters, digits and dashes, e.g. "crm" or "web-app"'));
const column = z.string().check(z.minLength(1));
const blockedValue = z.string().check(
  z.minLength(1),
  z.refine((entry) => {
    const m = /^\/(.*)\/([a-z]*)$/s.exec(entry);
    if (m === null) return true;
    try {
      new RegExp(m[1] as string, m[2]);
      return true;
    } catch {
      return false;
    }
  }, 'a blocked value written /like this/ must be a valid regular expression'),
);

/**
 * How the rows of a batch file dropped under `landing/<source>/` (CSV or JSON
 * Lines, optionally gzipped) become events. Column names refer to CSV headers
 * or JSON keys.
 */
export const fileMappingSchema = z.strictObject({
  /** Which event each row becomes: `identify` (a CRM contact) or `track` with an event name (`Order Completed` for a POS line). */
  type: z.enum(['identify', 'track']),
  event: z.optional(z.string().check(z.minLength(1))),
  /** Columns holding the identifiers; at least one of userId and anonymousId must be mapped or derivable. */
  userId: z.optional(column),
  anonymousId: z.optional(column),
  email: z.optional(column),
  phone: z.optional(column),
  /** Column of the row's time (ISO-8601 or a date); when absent, the file's time. */
  timestamp: z.optional(column),
  /** Column of a stable row id, used for the messageId so a re-imported file is applied once. */
  messageId: z.optional(column),
  /** trait name → column. */
  traits: withDefault(z.record(z.string(), column), {}),
  /** property name → column. */
  properties: withDefault(z.record(z.string(), column), {}),
  /** Columns whose values are numbers (revenue, quantity, csat ...). */
  numbers: withDefault(z.array(column), []),
  /** CSV delimiter. */
  delimiter: withDefault(z.string().check(z.length(1)), ','),
});

const sourceSchema = z.strictObject({
  /**
   * Write keys of the local runtime's HTTP collector for this source. Deployed,
   * write keys live in Secrets Manager (see README) and never in this file.
   */
  localWriteKeys: withDefault(z.array(z.string().check(z.minLength(8))), []),
  /** Mapping of batch files for this source. */
  file: z.optional(fileMappingSchema),
});

export const configSchema = z.strictObject({
  /** Prefix of the five stack names (`<appName>-collection`, ...). */
  appName: withDefault(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9-]{0,30}$/)), 'c360'),
  /** Target account/region; both default to the CDK CLI's environment. */
  env: section({ account: z.optional(z.string()), region: z.optional(z.string()) }),
  /**
   * What `cdk destroy` does to stateful resources (tables, streams, buckets, keys).
   * `retain` is the safe default for real data; `destroy` suits throw-away stacks.
   */
  removalPolicy: withDefault(z.enum(['retain', 'destroy']), 'retain'),
  /** CloudWatch Logs retention for every function's log group, in days. */
  logRetentionDays: withDefault(z.literal([1, 3, 5, 7, 14, 30, 60, 90, 180, 365]), 30),
  collection: section({
    stream: section({
      /** `on-demand` scales by itself; `provisioned` uses `shards`. */
      mode: withDefault(z.enum(['on-demand', 'provisioned']), 'on-demand'),
      shards: withDefault(int(1, 500), 1),
      /** How long records stay replayable (24 h to 365 days). */
      retentionHours: withDefault(int(24, 8760), 24),
    }),
    /**
     * Named sources (web, app, crm, pos, support, ...). Each event is stamped
     * with the source it came through (`context.source`).
     */
    sources: withDefault(z.record(sourceName, sourceSchema), {}),
    /** The raw lake: Firehose delivery from the stream to S3, partitioned by event date and source. */
    lake: section({
      /** Firehose buffering: whichever comes first, this many seconds or this many MiB. */
      bufferIntervalSeconds: withDefault(int(60, 900), 300),
      bufferSizeMiB: withDefault(int(64, 128), 64),
    }),
    /** Browser origins allowed to call the HTTP collector (CORS). */
    corsAllowedOrigins: withDefault(z.array(z.string()).check(z.minLength(1)), ['*']),
  }),
  /** Normalisation and enrichment at ingest, shared by every collection path. */
  ingest: section({
    /** Parse `context.userAgent` into `context.device`, `context.os` and `context.browser`. */
    parseUserAgent: withDefault(z.boolean(), true),
    /** Truncate `context.ip` (IPv4 to /24, IPv6 to /48) once any geo lookup is done: the full address is personal data. */
    truncateIp: withDefault(z.boolean(), true),
  }),
  unification: section({
    consumer: section({
      /**
       * Records per invocation, at most. Updates to one profile within a batch are
       * coalesced into one write, so larger batches cost fewer DynamoDB write units;
       * the batching window, not the size, bounds how long a record waits.
       */
      batchSize: withDefault(int(1, 10000), 5000),
      maxBatchingWindowSeconds: withDefault(int(0, 300), 1),
      parallelizationFactor: withDefault(int(1, 10), 1),
      /** Retries of a failing batch before its records go to the on-failure queue. */
      maxRetryAttempts: withDefault(int(0, 10000), 5),
      /** Records older than this are sent to the on-failure queue instead of retried. */
      maxRecordAgeSeconds: withDefault(int(60, 604800), 3600),
      memorySize: withDefault(int(128, 10240), 1024),
      timeoutSeconds: withDefault(int(1, 900), 60),
    }),
    identity: section({
      /**
       * Identifier types that link events to profiles, highest priority first.
       * userId and anonymousId are the event's own fields; any other type
       * (email, phone, loyaltyId, ...) is read from traits, context.traits,
       * properties or context.externalIds by name.
       */
      identifiers: withDefault(z.array(identifierType).check(z.minLength(1)), ['userId', 'email', 'phone', 'anonymousId']),
      /**
       * The most values of a type one profile may hold. An event that would
       * break a limit does not merge two people: its lower-priority identifier
       * is not linked, and the profile records it as rejected with the reason.
       * Types without a limit are unlimited.
       */
      limits: withDefault(z.record(identifierType, int(1, 100000)), { userId: 1, email: 5, phone: 5, anonymousId: 50 }),
      /**
       * Values that never link anything, for every identifier type: an exact
       * value (compared case-insensitively) or a `/regular expression/flags`.
       */
      blocked: withDefault(z.array(blockedValue), [
        '/^[0\\s.+()-]*$/',
        '/^(null|undefined|none|nil|nan|n\\/?a|unknown|anonymous|guest|test|user|customer|default|-1)$/i',
        '/^(test|noreply|no-reply|donotreply|none|null|nobody|noemail|email|example)@/i',
      ]),
    }),
    /**
     * Enrichment after identity resolution: derived attributes on the profile
     * (`enriched`), recomputed whenever it changes.
     */
    enrichment: section({
      /**
       * Region of a profile from its country (ISO alpha-2, `traits.country` or
       * `traits.address.country`) and postcode (`traits.address.postalCode`,
       * `traits.postalCode`, `traits.postcode` or `traits.zip`): the longest
       * postcode prefix listed for the country wins, else the country's region.
       */
      regions: section({
        byCountry: withDefault(z.record(z.string().check(z.length(2)), z.string()), {}),
        byPostcodePrefix: withDefault(z.record(z.string().check(z.length(2)), z.record(z.string(), z.string())), {}),
      }),
    }),
    /**
     * A re-sent message (same messageId) within this window is applied once.
     * Segment documents the same 24-hour de-duplication window.
     */
    dedupeWindowHours: withDefault(int(1, 8760), 24),
    /** Which property of an `Order Completed` event holds its revenue (first present wins). */
    revenueProperties: withDefault(z.array(z.string()).check(z.minLength(1)), ['revenue', 'total']),
    /**
     * Computed traits: aggregates over a profile's events (count, sum, avg,
     * min, max, first, last, distinct, mode), filtered by event and property,
     * optionally over a window such as `90d`. Exact whatever the order events
     * arrive in, and kept exactly across merges. See lambda/unification/core/traits/computed-traits.ts.
     */
    computedTraits: withDefault(computedTraitsSchema, EXAMPLE_COMPUTED_TRAITS as never),
    /**
     * Segments: rules over traits, computed traits, enrichments and
     * identifiers (all/any/not, comparisons, `within`/`olderThan` for times),
     * evaluated whenever a profile changes and re-checked on a schedule for
     * rules that time alone changes. Entered/exited events go to EventBridge
     * (source `c360.segments`). See lambda/unification/core/segments/segments.ts.
     */
    segments: withDefault(segmentsSchema, EXAMPLE_SEGMENTS as never),
    /** How often the scheduled re-check evaluates profiles whose segments or windowed traits time alone changes. */
    recheckMinutes: withDefault(int(1, 1440), 15),
    /**
     * Batch matching: one rule set for AWS Entity Resolution (deployed) and
     * the built-in matcher (local runs, `c360 resolve`).
     */
    matching: z.prefault(matchingRulesSchema, {}),
    entityResolution: section({
      /** `rule`: the rules above as Entity Resolution rule-based matching; `ml`: its machine-learning matching. */
      mode: withDefault(z.enum(['rule', 'ml']), 'rule'),
      /** When the profile snapshot is exported and matched (an EventBridge schedule expression). */
      schedule: withDefault(z.string().check(z.regex(/^(rate|cron)\(.+\)$/, 'a schedule is rate(...) or cron(...)')), 'rate(1 day)'),
    }),
  }),
  normalization: section({
    /** ISO 3166 region used to read phone numbers written without a country code. */
    defaultPhoneRegion: withDefault(z.string().check(z.length(2), z.toUpperCase()), 'US'),
  }),
  profileApi: section({
    /** Steady-state requests/s and burst of the deployed profile API stage. */
    throttleRateLimit: withDefault(z.number().check(z.positive()), 500),
    throttleBurstLimit: withDefault(int(1, 100000), 1000),
  }),
  monitoring: section({
    /** Email address subscribed to the alarm topic (optional; any other subscriber can be added to the topic). */
    alarmEmail: z.optional(z.email()),
    /** Consumer iterator age (how far the consumer lags the stream) that raises an alarm, in seconds. */
    iteratorAgeAlarmSeconds: withDefault(int(1, 86400), 60),
    /** p99 latency of an HTTP API (profile API, collector) that raises an alarm, in milliseconds. */
    apiLatencyP99AlarmMs: withDefault(int(1, 30000), 1000),
    /** Share of HTTP 5xx responses that raises an alarm, in percent. */
    api5xxAlarmPercent: withDefault(z.number().check(z.positive(), z.maximum(100)), 1),
  }),
  local: section({
    /** Folder for the local runtime's state: lake, quarantine, on-failure queue. */
    dataDir: withDefault(z.string(), '.c360'),
    /** Port of the local profile API (0 picks a free one). */
    apiPort: withDefault(int(0, 65535), 4360),
    /** How often the local poller reads each shard, in milliseconds. */
    pollIntervalMs: withDefault(int(10, 10000), 200),
  }),
});

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
