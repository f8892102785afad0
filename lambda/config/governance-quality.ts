/**
 * Data-quality rules per table (governance.quality): one rule model that
 * becomes DQDL for Glue Data Quality deployed (lambda/governance/contracts/
 * quality-dqdl.ts) and SQL for DuckDB locally (`c360 quality`,
 * lambda/governance/core/quality/), with the same observed value and verdict.
 *
 * Tables are the Glue tables of the lake database (the raw lake, the
 * quarantine, the curated exports, the segment history). Their columns are
 * listed here, because the config may not import the contracts that define
 * them (lib/constructs/collection/raw-lake.ts, lambda/analytics/contracts/
 * curated.ts); a test holds the lists equal.
 */
import * as z from 'zod/mini';
import { int, withDefault } from './builders';

/** Glue / Hive type of a column, as far as the rules care. */
export type QualityColumnType = 'string' | 'int' | 'bigint' | 'double' | 'boolean' | 'timestamp';

/**
 * How a run picks the rows it checks: `day` tables (partitioned by `dt`,
 * YYYY-MM-DD) the latest two days, `export` tables (partitioned by
 * `export_id`) the latest export.
 */
export type QualityPartitioning = { readonly column: 'dt'; readonly kind: 'day' } | { readonly column: 'export_id'; readonly kind: 'export' };

export interface QualityTable {
  readonly columns: Readonly<Record<string, QualityColumnType>>;
  readonly partition: QualityPartitioning;
  /** Columns starting with this exist too, unknown to the config (profiles: one per computed trait). */
  readonly openPrefix?: string;
}

const s = 'string' as const;
const ts = 'timestamp' as const;
const big = 'bigint' as const;
const day = { column: 'dt', kind: 'day' } as const;
const exported = { column: 'export_id', kind: 'export' } as const;

/**
 * The Glue tables of the lake database and their columns (partition columns
 * included). raw_events and quarantine: RAW_EVENT_COLUMNS and
 * QUARANTINE_COLUMNS of lib/constructs/collection/raw-lake.ts; the curated
 * tables: lambda/analytics/contracts/curated.ts.
 */
export const QUALITY_TABLES = {
  raw_events: {
    columns: {
      type: s, messageid: s, timestamp: s, originaltimestamp: s, receivedat: s, sentat: s, userid: s, anonymousid: s,
      event: s, name: s, category: s, groupid: s, previousid: s, traits: s, properties: s, context: s, source: s, dt: s,
    },
    partition: day,
  },
  quarantine: {
    columns: {
      reason: s, sequencenumber: s, subsequence: 'int', partitionkey: s, receivedat: s, data: s, encoding: s, errorcode: s,
      errormessage: s, rawdata: s, attemptsmade: big, arrivaltimestamp: big, attemptendingtimestamp: big, subsequencenumber: big,
      source: s, dt: s,
    },
    partition: day,
  },
  profiles: {
    columns: {
      profile_id: s, created_at: ts, updated_at: ts, first_seen: ts, last_seen: ts, event_count: big, order_count: big,
      total_revenue: 'double', user_id: s, email: s, phone: s, first_name: s, last_name: s, city: s, country: s, postcode: s,
      identifier_count: big, merged_from_count: big, segment_count: big, channels: s, traits: s, enriched: s, consent: s, export_id: s,
    },
    partition: exported,
    openPrefix: 'computed_',
  },
  identities: { columns: { profile_id: s, identifier_type: s, identifier_value: s, export_id: s }, partition: exported },
  identity_merges: {
    columns: {
      profile_id: s, merged_profile_id: s, rule: s, identifier_type: s, identifier_value: s, matched_with_type: s,
      matched_with_value: s, message_id: s, match_id: s, match_rule: s, merged_at: ts, export_id: s,
    },
    partition: exported,
  },
  segment_membership: { columns: { profile_id: s, segment: s, entered_at: ts, export_id: s }, partition: exported },
  rejected_identifiers: {
    columns: { profile_id: s, identifier_type: s, identifier_value: s, reason: s, message_id: s, rejected_at: ts, export_id: s },
    partition: exported,
  },
  segment_events: { columns: { segment: s, profileid: s, change: s, at: s, reason: s, dt: s }, partition: day },
} as const satisfies Readonly<Record<string, QualityTable>>;

export type QualityTableName = keyof typeof QUALITY_TABLES;
export const QUALITY_TABLE_NAMES = Object.keys(QUALITY_TABLES) as QualityTableName[];

/** The Segment spec's call types: the values of raw_events.type. */
export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;

/**
 * Named formats, as regular expressions both engines read alike (Java's for
 * Glue Data Quality, RE2 for DuckDB): anchored, no backslash, no lookaround,
 * no backreference.
 */
export const NAMED_FORMATS = {
  email: '^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+([.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}$',
  e164: '^[+][1-9][0-9]{1,14}$',
  isoTimestamp: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$',
  uuid: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
} as const;
export type NamedFormat = keyof typeof NAMED_FORMATS;

export const QUALITY_SEVERITIES = ['error', 'warn'] as const;
export type QualitySeverity = (typeof QUALITY_SEVERITIES)[number];
export const COMPARISONS = ['>=', '>', '<=', '<', '='] as const;

const COLUMN = /^[a-z_][a-z0-9_]{0,127}$/;
const column = z.string().check(z.regex(COLUMN, 'a lower-case Glue column name such as messageid'));
const ratio = withDefault(z.number().check(z.minimum(0), z.maximum(1)), 1);
/** Text that goes between DQDL's double quotes: no double quote, no backslash (DQDL would read it as an escape). */
const dqdlSafe = (what: string) =>
  z.string().check(z.minLength(1), z.maxLength(2000), z.refine((v) => !/["\\]/.test(v), `${what} may not contain a double quote or a backslash (write [.] instead of \\.)`));

const common = {
  /** `error` fails `c360 quality` (exit 1) and raises the alarm deployed; `warn` is reported only. */
  severity: withDefault(z.enum(QUALITY_SEVERITIES), 'error'),
  description: z.optional(z.string().check(z.maxLength(255))),
  /** false turns off a default rule of the same name. */
  enabled: withDefault(z.boolean(), true),
};

export const completenessRule = z.strictObject({
  kind: z.literal('completeness'),
  column,
  /** The share of rows whose value is not null that passes (1: every row). */
  minRatio: ratio,
  ...common,
});
export const uniqueRule = z.strictObject({
  kind: z.literal('unique'),
  column,
  /** The share of rows whose value occurs exactly once that passes (1: all distinct, none null). */
  minRatio: ratio,
  ...common,
});
export const allowedValuesRule = z.strictObject({
  kind: z.literal('allowedValues'),
  column,
  values: z.array(dqdlSafe('an allowed value')).check(z.minLength(1), z.maxLength(200)),
  /** The share of rows whose value is one of `values` that passes (null is not one). */
  minRatio: ratio,
  ...common,
});
export const formatRule = z.strictObject({
  kind: z.literal('format'),
  column,
  /** A named format. */
  format: z.optional(z.enum(Object.keys(NAMED_FORMATS) as [NamedFormat, ...NamedFormat[]])),
  /** Or a regular expression the whole value must match (anchor it with ^ and $). */
  pattern: z.optional(dqdlSafe('a pattern')),
  /** The share of rows whose value matches that passes (null does not match). */
  minRatio: ratio,
  ...common,
});
export const freshnessRule = z.strictObject({
  kind: z.literal('freshness'),
  /** An ISO-8601 text or timestamp column. */
  column,
  /** The newest value (of the rows a run checks) may be at most this many hours old. */
  maxAgeHours: int(1, 8760),
  ...common,
});
export const rowCountRule = z.strictObject({
  kind: z.literal('rowCount'),
  min: z.optional(int(0, Number.MAX_SAFE_INTEGER)),
  max: z.optional(int(0, Number.MAX_SAFE_INTEGER)),
  ...common,
});
export const customSqlRule = z.strictObject({
  kind: z.literal('customSql'),
  /**
   * A SELECT returning one number, in the SQL that Glue Data Quality
   * (Spark SQL), Athena and DuckDB share: tables written `{table}` (the
   * rule's own or another of QUALITY_TABLES), each standing for the rows a
   * run checks; no double quote (quoted identifiers differ between engines).
   */
  sql: dqdlSafe('customSql'),
  op: z.enum(COMPARISONS),
  value: z.number(),
  ...common,
});

export const qualityRule = z.discriminatedUnion('kind', [completenessRule, uniqueRule, allowedValuesRule, formatRule, freshnessRule, rowCountRule, customSqlRule]);
export type QualityRuleInput = z.input<typeof qualityRule>;
export type QualityRule = z.output<typeof qualityRule>;

const RULE_NAME = /^[a-z][a-zA-Z0-9_-]{0,63}$/;
/** `{table}` references of a customSql rule. */
export const TABLE_REFERENCE = /\{([a-z_][a-z0-9_]*)\}/g;

const r = <T extends QualityRuleInput>(rule: T) => rule;

/** The shipped rules: what every c360 lake should satisfy. A config adds rules and overrides or disables these by name. */
export const DEFAULT_QUALITY_RULES: Readonly<Partial<Record<QualityTableName, Readonly<Record<string, QualityRuleInput>>>>> = {
  raw_events: {
    messageIdComplete: r({ kind: 'completeness', column: 'messageid', description: 'every event carries a messageId' }),
    messageIdUnique: r({
      kind: 'unique',
      column: 'messageid',
      minRatio: 0.99,
      severity: 'warn',
      description: 'at-least-once delivery repeats a few events (the events view keeps the first copy); many repeats mean a producer retries without its messageId',
    }),
    typeKnown: r({ kind: 'allowedValues', column: 'type', values: [...EVENT_TYPES], description: 'type is a Segment call type' }),
    timestampIso: r({ kind: 'format', column: 'timestamp', format: 'isoTimestamp', minRatio: 0.99, description: 'event times are ISO-8601 (others fall back to receivedAt)' }),
    receivedAtIso: r({ kind: 'format', column: 'receivedat', format: 'isoTimestamp', severity: 'warn', description: 'ingest stamps every event ISO-8601' }),
    fresh: r({ kind: 'freshness', column: 'receivedat', maxAgeHours: 24, severity: 'warn', description: 'events arrived within the last day' }),
    notEmpty: r({ kind: 'rowCount', min: 1, severity: 'warn', description: 'the lake received events' }),
  },
  quarantine: {
    reasonComplete: r({
      kind: 'customSql',
      sql: 'SELECT count(*) FROM {quarantine} WHERE reason IS NULL AND errormessage IS NULL',
      op: '=',
      value: 0,
      description: 'every quarantined record says why (reason, or Firehose\'s errormessage)',
    }),
    rateBound: r({
      kind: 'customSql',
      sql:
        'SELECT CASE WHEN q.n + e.n = 0 THEN 0 ELSE CAST(q.n AS double) / (q.n + e.n) END FROM ' +
        '(SELECT count(*) AS n FROM {quarantine}) q CROSS JOIN (SELECT count(*) AS n FROM {raw_events}) e',
      op: '<=',
      value: 0.05,
      severity: 'warn',
      description: 'at most 5% of the input is quarantined',
    }),
  },
  profiles: {
    profileIdUnique: r({ kind: 'unique', column: 'profile_id', description: 'one row per profile' }),
    emailFormat: r({ kind: 'format', column: 'email', format: 'email', minRatio: 0.99, severity: 'warn', description: 'email traits are addresses (null counts against)' }),
    phoneFormat: r({ kind: 'format', column: 'phone', format: 'e164', minRatio: 0.95, severity: 'warn', description: 'phone traits are normalised to E.164' }),
    updatedAtComplete: r({ kind: 'completeness', column: 'updated_at' }),
  },
  identities: {
    profileIdComplete: r({ kind: 'completeness', column: 'profile_id' }),
    identifierComplete: r({ kind: 'completeness', column: 'identifier_value' }),
  },
  segment_membership: {
    profileIdComplete: r({ kind: 'completeness', column: 'profile_id' }),
  },
};

const tableRules = z.record(z.string(), qualityRule);

/**
 * The email and phone format rules count null values against the ratio (as
 * Glue's ColumnValues does), so their ratios are shares of profiles having a
 * well-formed value; a deployment with few emails sets a lower ratio or
 * disables the rule.
 */
export const qualitySection = z.prefault(
  z
    .strictObject({
      /** Hours between scheduled evaluations deployed (EventBridge schedule). */
      everyHours: withDefault(int(1, 168), 24),
      /** Start from DEFAULT_QUALITY_RULES (rules of the same table and name in `rules` replace them). */
      useDefaults: withDefault(z.boolean(), true),
      /** Table → rule name → rule. */
      rules: withDefault(z.record(z.string(), tableRules), {}),
    })
    .check(
      z.superRefine((q, ctx) => {
        for (const [table, rules] of Object.entries(q.rules)) {
          if (!(table in QUALITY_TABLES)) {
            ctx.addIssue({ code: 'custom', path: ['rules', table], input: table, message: `unknown table ${JSON.stringify(table)}; the tables are ${QUALITY_TABLE_NAMES.join(', ')}` });
            continue;
          }
          for (const [name, rule] of Object.entries(rules)) {
            for (const problem of ruleProblems(table as QualityTableName, name, rule)) {
              ctx.addIssue({ code: 'custom', path: ['rules', table, name, ...problem.path], input: rule, message: problem.message });
            }
          }
        }
      }),
    ),
  {} as never,
);

export type QualityConfig = z.output<typeof qualitySection>;

/** What is wrong with one rule beyond its shape: its name, its columns, its references, its bounds. */
export function ruleProblems(table: QualityTableName, name: string, rule: QualityRule): Array<{ path: string[]; message: string }> {
  const problems: Array<{ path: string[]; message: string }> = [];
  if (!RULE_NAME.test(name)) problems.push({ path: [], message: `rule names start with a lower-case letter (letters, digits, _ and -); got ${JSON.stringify(name)}` });
  const def: QualityTable = QUALITY_TABLES[table];
  if ('column' in rule) {
    const type = def.columns[rule.column];
    const open = def.openPrefix !== undefined && rule.column.startsWith(def.openPrefix);
    if (type === undefined && !open) {
      problems.push({ path: ['column'], message: `${table} has no column ${JSON.stringify(rule.column)}; its columns are ${Object.keys(def.columns).join(', ')}` });
    } else if (type !== undefined && (rule.kind === 'format' || rule.kind === 'allowedValues') && type !== 'string') {
      problems.push({ path: ['column'], message: `${rule.kind} checks text; ${table}.${rule.column} is ${type}` });
    } else if (type !== undefined && rule.kind === 'freshness' && type !== 'string' && type !== 'timestamp') {
      problems.push({ path: ['column'], message: `freshness reads a timestamp or ISO-8601 text; ${table}.${rule.column} is ${type}` });
    }
  }
  if (rule.kind === 'format') {
    if ((rule.format === undefined) === (rule.pattern === undefined)) problems.push({ path: [], message: 'give a format or a pattern (one of them)' });
    if (rule.pattern !== undefined) {
      try {
        new RegExp(rule.pattern);
      } catch (err) {
        problems.push({ path: ['pattern'], message: `not a regular expression: ${(err as Error).message}` });
      }
      if (/\(\?[=!<]/.test(rule.pattern)) problems.push({ path: ['pattern'], message: 'lookaround is not portable (DuckDB\'s RE2 has none)' });
      // Anchored, a pattern means the same whether an engine matches the whole value or finds it inside.
      if (!rule.pattern.startsWith('^') || !rule.pattern.endsWith('$')) problems.push({ path: ['pattern'], message: 'anchor the pattern: start it with ^ and end it with $' });
    }
  }
  if (rule.kind === 'rowCount') {
    if (rule.min === undefined && rule.max === undefined) problems.push({ path: [], message: 'give min, max or both' });
    if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) problems.push({ path: ['max'], message: `max (${rule.max}) is below min (${rule.min})` });
  }
  if (rule.kind === 'customSql') {
    if (!/^\s*(SELECT|WITH)\b/i.test(rule.sql)) problems.push({ path: ['sql'], message: 'a customSql rule is one SELECT (or WITH ... SELECT) returning one number' });
    if (rule.sql.includes(';')) problems.push({ path: ['sql'], message: 'one statement, no ;' });
    const refs = [...rule.sql.matchAll(TABLE_REFERENCE)].map((m) => m[1] as string);
    if (refs.length === 0) problems.push({ path: ['sql'], message: `name the tables it reads as {table}, e.g. {${table}}` });
    for (const ref of refs) {
      if (!(ref in QUALITY_TABLES)) problems.push({ path: ['sql'], message: `unknown table {${ref}}; the tables are ${QUALITY_TABLE_NAMES.join(', ')}` });
    }
  }
  return problems;
}

/** One rule in effect: its table and name with the rule. */
export interface NamedQualityRule {
  readonly table: QualityTableName;
  readonly name: string;
  readonly rule: QualityRule;
}

/**
 * The rules in effect, table by table in QUALITY_TABLES order and rule by
 * rule in definition order: the defaults (unless `useDefaults` is false)
 * with the config's rules over them by name, minus the disabled ones.
 */
export function effectiveQualityRules(quality: QualityConfig): NamedQualityRule[] {
  const out: NamedQualityRule[] = [];
  for (const table of QUALITY_TABLE_NAMES) {
    const merged = new Map<string, QualityRule>();
    if (quality.useDefaults) {
      for (const [name, rule] of Object.entries(DEFAULT_QUALITY_RULES[table] ?? {})) merged.set(name, qualityRule.parse(rule));
    }
    for (const [name, rule] of Object.entries(quality.rules[table] ?? {})) merged.set(name, rule);
    for (const [name, rule] of merged) if (rule.enabled) out.push({ table, name, rule });
  }
  return out;
}
