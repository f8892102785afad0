/** The collection pillar's config sections: the stream, named sources and their batch-file mappings, the raw lake, ingest enrichment. */
import * as z from 'zod/mini';
import { int, section, withDefault } from './builders';

const sourceName = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{0,62}$/, 'source names are lower-case letters, digits and dashes, e.g. "crm" or "web-app"'));
const column = z.string().check(z.minLength(1));

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
  /**
   * Consent purpose or CMP category (governance.consent.categories) → the
   * column of its answer (yes/no, true/false, 1/0, granted/denied; empty: not
   * answered), for a CMP's consent export: on a track mapping, the answers
   * become the event's consent object (`context.consent.categoryPreferences`).
   * With the event `Segment Consent Preference Updated` they are explicit decisions.
   */
  consent: withDefault(z.record(z.string().check(z.minLength(1), z.maxLength(128)), column), {}),
  /** Column of the consent policy version the answers were given under; when absent, governance.consent.policyVersion. */
  consentPolicyVersion: z.optional(column),
  /** Columns whose values are numbers (revenue, quantity, csat ...). */
  numbers: withDefault(z.array(column), []),
  /** CSV delimiter. */
  delimiter: withDefault(z.string().check(z.length(1)), ','),
  /**
   * A row whose mapped email or phone is not a valid address or number:
   * `warn` sends it without that identifier and counts the warning in the
   * import report; `reject` rejects the row (into the rejects file).
   */
  invalidIdentifiers: withDefault(z.enum(['warn', 'reject']), 'warn'),
}).check(
  z.superRefine((mapping, ctx) => {
    for (const problem of fileMappingProblems(mapping)) ctx.addIssue({ code: 'custom', message: problem, input: mapping });
  }),
);

type FileMappingShape = {
  readonly type: 'identify' | 'track';
  readonly event?: string | undefined;
  readonly userId?: string | undefined;
  readonly anonymousId?: string | undefined;
  readonly email?: string | undefined;
  readonly phone?: string | undefined;
  readonly consent?: Readonly<Record<string, string>> | undefined;
  readonly consentPolicyVersion?: string | undefined;
};

/**
 * What makes a mapping unusable for a whole file (undefined when it is fine):
 * checked when the config is loaded (so `cdk synth` and `npm start` fail on
 * it) and again by the import for a mapping given on the command line.
 */
export function fileMappingProblems(mapping: FileMappingShape): string[] {
  const problems: string[] = [];
  if (mapping.type === 'track' && mapping.event === undefined) {
    problems.push('the file mapping is of type "track" but names no event (set file.event, e.g. "Order Completed")');
  }
  if (mapping.type !== 'track' && (Object.keys(mapping.consent ?? {}).length > 0 || mapping.consentPolicyVersion !== undefined)) {
    problems.push('the file mapping maps consent columns but is of type "identify"; consent answers go on track rows (file.event "Segment Consent Preference Updated")');
  }
  if (mapping.type === 'identify' && mapping.event !== undefined) {
    problems.push(`the file mapping is of type "identify" but names an event (${JSON.stringify(mapping.event)}); only track rows have one`);
  }
  if (mapping.userId === undefined && mapping.anonymousId === undefined && mapping.email === undefined && mapping.phone === undefined) {
    problems.push('the file mapping names no identifier column: map at least one of userId, anonymousId, email or phone');
  }
  return problems;
}

const sourceSchema = z.strictObject({
  /**
   * Write keys of the local runtime's HTTP collector for this source. Deployed,
   * write keys live in Secrets Manager (see README) and never in this file.
   */
  localWriteKeys: withDefault(z.array(z.string().check(z.minLength(8))), []),
  /** Mapping of batch files for this source. */
  file: z.optional(fileMappingSchema),
});

export const collectionSection = section({
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
  sources: withDefault(
    z.record(sourceName, sourceSchema).check(
      z.superRefine((sources, ctx) => {
        // landing/items/ is the item catalog's folder (the activation pillar's import).
        if ('items' in sources) ctx.addIssue({ code: 'custom', path: ['items'], input: sources, message: 'the source name "items" is reserved: landing/items/ holds the item catalog' });
      }),
    ),
    {},
  ),
  /** The raw lake: Firehose delivery from the stream to S3, partitioned by event date and source. */
  lake: section({
    /** Firehose buffering: whichever comes first, this many seconds or this many MiB. */
    bufferIntervalSeconds: withDefault(int(60, 900), 300),
    bufferSizeMiB: withDefault(int(64, 128), 64),
  }),
  /** Browser origins allowed to call the HTTP collector (CORS). */
  corsAllowedOrigins: withDefault(z.array(z.string()).check(z.minLength(1)), ['*']),
});

/** Normalisation and enrichment at ingest, shared by every collection path. */
export const ingestSection = section({
  /** Parse `context.userAgent` into `context.device`, `context.os` and `context.browser`. */
  parseUserAgent: withDefault(z.boolean(), true),
  /** Truncate `context.ip` (IPv4 to /24, IPv6 to /48) once any geo lookup is done: the full address is personal data. */
  truncateIp: withDefault(z.boolean(), true),
});
