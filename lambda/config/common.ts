/**
 * The config's deployment-wide settings: stack naming, target environment,
 * removal and log retention, phone normalisation, alarms and the local
 * runtime. Each pillar's own sections are in collection.ts and unification.ts.
 */
import * as z from 'zod/mini';
import { int, section, withDefault } from './builders';

/** Prefix of the five stack names (`<appName>-collection`, ...). */
export const appName = withDefault(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9-]{0,30}$/)), 'c360');

/** Target account/region; both default to the CDK CLI's environment. */
export const envSection = section({ account: z.optional(z.string()), region: z.optional(z.string()) });

/**
 * What `cdk destroy` does to stateful resources (tables, streams, buckets, keys).
 * `retain` is the safe default for real data; `destroy` suits throw-away stacks.
 */
export const removalPolicy = withDefault(z.enum(['retain', 'destroy']), 'retain');

/** CloudWatch Logs retention for every function's log group, in days. */
export const logRetentionDays = withDefault(z.literal([1, 3, 5, 7, 14, 30, 60, 90, 180, 365]), 30);

export const normalizationSection = section({
  /** ISO 3166 region used to read phone numbers written without a country code. */
  defaultPhoneRegion: withDefault(z.string().check(z.length(2), z.toUpperCase()), 'US'),
});

export const monitoringSection = section({
  /** Email address subscribed to the alarm topic (optional; any other subscriber can be added to the topic). */
  alarmEmail: z.optional(z.email()),
  /** Consumer iterator age (how far the consumer lags the stream) that raises an alarm, in seconds. */
  iteratorAgeAlarmSeconds: withDefault(int(1, 86400), 60),
  /** p99 latency of an HTTP API (profile API, collector) that raises an alarm, in milliseconds. */
  apiLatencyP99AlarmMs: withDefault(int(1, 30000), 1000),
  /** Share of HTTP 5xx responses that raises an alarm, in percent. */
  api5xxAlarmPercent: withDefault(z.number().check(z.positive(), z.maximum(100)), 1),
});

export const localSection = section({
  /** Folder for the local runtime's state: lake, quarantine, on-failure queue. */
  dataDir: withDefault(z.string(), '.c360'),
  /** Port of the local profile API (0 picks a free one). */
  apiPort: withDefault(int(0, 65535), 4360),
  /** How often the local poller reads each shard, in milliseconds. */
  pollIntervalMs: withDefault(int(10, 10000), 200),
});
