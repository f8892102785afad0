/**
 * The curated zone, defined once: the profile export writes it (Parquet), the
 * stack's Glue tables (lib/constructs/analytics/) describe it, and the local
 * warehouse (DuckDB) reads it. Every table is keyed by profile id (and, for
 * identities, by identifier), so governance can classify, mask and erase it.
 *
 *   exports/<table>/export_id=<YYYYMMDDTHHmmssZ>/part-<segment>.parquet
 *   segment_events/dt=<YYYY-MM-DD>/…                  entered / exited history (JSON lines)
 *
 * The `export_id` partition is the export's start time, UTC, in a form that
 * sorts as text: `max(export_id)` is the latest export (the `*_current` views).
 * Parquet types: string → UTF8 text, bigint → INT64, double → DOUBLE,
 * timestamp → INT64 TIMESTAMP(MILLIS, UTC-adjusted); every column nullable.
 */

import type { ComputedTraitDefinition } from '../../config/unification/computed-traits';

/** A column of a curated table: its name and Glue / Hive type. */
export interface CuratedColumn {
  readonly name: string;
  readonly type: 'string' | 'bigint' | 'double' | 'boolean' | 'timestamp';
  readonly comment?: string;
}

/** Folder of the profile exports in the curated bucket (locally: `<dataDir>/curated/`). */
export const EXPORTS_PREFIX = 'exports/';
/** Partition column of every export table. */
export const EXPORT_PARTITION = 'export_id';
/** Folder of the segment entered / exited history. */
export const SEGMENT_EVENTS_PREFIX = 'segment_events/';

/** The tables the profile export writes, each one Parquet file per scan segment per export. */
export const EXPORT_TABLES = ['profiles', 'identities', 'identity_merges', 'segment_membership', 'rejected_identifiers'] as const;
export type ExportTable = (typeof EXPORT_TABLES)[number];

/** The export id of an export started at `at`: `20261201T220000Z`. */
export function exportId(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** `exports/<table>/`: a table's location. */
export const exportTablePrefix = (table: ExportTable) => `${EXPORTS_PREFIX}${table}/`;
/** `exports/<table>/export_id=<id>/`: one export of a table (a Glue partition). */
export const exportPartitionPrefix = (table: ExportTable, id: string) => `${exportTablePrefix(table)}${EXPORT_PARTITION}=${id}/`;
/** The object of one scan segment of one export of a table. */
export const exportObjectKey = (table: ExportTable, id: string, segment: number) =>
  `${exportPartitionPrefix(table, id)}part-${String(segment).padStart(2, '0')}.parquet`;

/** Fixed columns of `profiles`; the computed traits from config follow them (`computed_<name>`, see profileTableColumns). */
export const PROFILE_COLUMNS: readonly CuratedColumn[] = [
  { name: 'profile_id', type: 'string' },
  { name: 'created_at', type: 'timestamp' },
  { name: 'updated_at', type: 'timestamp' },
  { name: 'first_seen', type: 'timestamp', comment: 'event time of the first event' },
  { name: 'last_seen', type: 'timestamp', comment: 'event time of the latest event' },
  { name: 'event_count', type: 'bigint' },
  { name: 'order_count', type: 'bigint' },
  { name: 'total_revenue', type: 'double', comment: 'sum of Order Completed revenue' },
  { name: 'user_id', type: 'string', comment: 'the first userId identifier' },
  { name: 'email', type: 'string', comment: 'the email trait' },
  { name: 'phone', type: 'string', comment: 'the phone trait' },
  { name: 'first_name', type: 'string' },
  { name: 'last_name', type: 'string' },
  { name: 'city', type: 'string' },
  { name: 'country', type: 'string' },
  { name: 'postcode', type: 'string' },
  { name: 'identifier_count', type: 'bigint' },
  { name: 'merged_from_count', type: 'bigint', comment: 'profiles this one absorbed' },
  { name: 'segment_count', type: 'bigint' },
  { name: 'channels', type: 'string', comment: 'events per channel, JSON object' },
  { name: 'traits', type: 'string', comment: 'every trait value, JSON object' },
  { name: 'enriched', type: 'string', comment: 'enrichment, JSON object' },
  { name: 'consent', type: 'string', comment: 'consent by purpose ({status, at, source, policyVersion, explicit} each), JSON object; null until the person has decided something' },
];

export const IDENTITY_COLUMNS: readonly CuratedColumn[] = [
  { name: 'profile_id', type: 'string' },
  { name: 'identifier_type', type: 'string' },
  { name: 'identifier_value', type: 'string' },
];

export const IDENTITY_MERGE_COLUMNS: readonly CuratedColumn[] = [
  { name: 'profile_id', type: 'string', comment: 'the surviving profile' },
  { name: 'merged_profile_id', type: 'string', comment: 'the profile merged into it' },
  { name: 'rule', type: 'string', comment: 'shared-identifier | matched | resumed | placeholder' },
  { name: 'identifier_type', type: 'string', comment: 'the identifier the merged profile held' },
  { name: 'identifier_value', type: 'string' },
  { name: 'matched_with_type', type: 'string', comment: "the survivor's identifier it arrived with" },
  { name: 'matched_with_value', type: 'string' },
  { name: 'message_id', type: 'string', comment: 'the event that linked them' },
  { name: 'match_id', type: 'string', comment: 'batch matching: the match group' },
  { name: 'match_rule', type: 'string' },
  { name: 'merged_at', type: 'timestamp' },
];

export const SEGMENT_MEMBERSHIP_COLUMNS: readonly CuratedColumn[] = [
  { name: 'profile_id', type: 'string' },
  { name: 'segment', type: 'string' },
  { name: 'entered_at', type: 'timestamp' },
];

export const REJECTED_IDENTIFIER_COLUMNS: readonly CuratedColumn[] = [
  { name: 'profile_id', type: 'string' },
  { name: 'identifier_type', type: 'string' },
  { name: 'identifier_value', type: 'string' },
  { name: 'reason', type: 'string' },
  { name: 'message_id', type: 'string' },
  { name: 'rejected_at', type: 'timestamp', comment: 'event time of the event that carried it' },
];

/**
 * Columns of the segment history (`segment_events`), as the JSON lines hold
 * them: the `detail` of each Segment Entered / Exited event (deployed,
 * EventBridge to Firehose; locally, the bus file's `detail`).
 */
export const SEGMENT_EVENT_COLUMNS: readonly CuratedColumn[] = [
  { name: 'segment', type: 'string' },
  { name: 'profileid', type: 'string' },
  { name: 'change', type: 'string', comment: 'entered | exited' },
  { name: 'at', type: 'string', comment: 'ISO-8601' },
  { name: 'reason', type: 'string' },
];

/** The columns of each export table (for `profiles`, the fixed ones; see profileTableColumns for the whole table). */
export const EXPORT_TABLE_COLUMNS: Readonly<Record<ExportTable, readonly CuratedColumn[]>> = {
  profiles: PROFILE_COLUMNS,
  identities: IDENTITY_COLUMNS,
  identity_merges: IDENTITY_MERGE_COLUMNS,
  segment_membership: SEGMENT_MEMBERSHIP_COLUMNS,
  rejected_identifiers: REJECTED_IDENTIFIER_COLUMNS,
};

/**
 * Computed-trait columns of `profiles` start with this: a computed trait is
 * `computed_<trait name in snake case>` (e.g. `lifetimeValue` →
 * `computed_lifetime_value`), so that a trait never shadows a fixed column
 * (the example traits' `orderCount` next to the built-in `order_count`) and
 * a fixed column added later never breaks a deployment's config.
 */
export const COMPUTED_COLUMN_PREFIX = 'computed_';

/** A computed-trait column of `profiles`: the trait it holds, by its config name. */
export interface ComputedTraitColumn extends CuratedColumn {
  readonly trait: string;
}

/** The fields of a computed trait's definition that decide its column type (unification.computedTraits.<name>). */
type TraitTyping = Pick<ComputedTraitDefinition, 'op' | 'property' | 'as'>;

/**
 * The column type of a computed trait, from its op (see
 * lambda/unification/core/traits/): counts → bigint; sums and averages →
 * double; min and max → double, or the time (timestamp) of `$timestamp`, or
 * whole days since it (bigint) with `as: daysSince`; first and last → the
 * same for `$timestamp`, double for `$revenue`, else text (a number read as
 * its decimal text); mode → text.
 */
export function computedTraitColumnType(d: TraitTyping): CuratedColumn['type'] {
  const time = d.property === '$timestamp' ? (d.as === 'daysSince' ? 'bigint' : 'timestamp') : undefined;
  switch (d.op) {
    case 'count':
    case 'distinct':
      return 'bigint';
    case 'sum':
    case 'avg':
      return 'double';
    case 'min':
    case 'max':
      return time ?? 'double';
    case 'first':
    case 'last':
      return time ?? (d.property === '$revenue' ? 'double' : 'string');
    case 'mode':
      return 'string';
  }
}

/** `lifetimeValue` → `lifetime_value`, `ordersLast90Days` → `orders_last_90_days`, `NPSScore` → `nps_score`. */
export function snakeCase(name: string): string {
  const words = name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? [];
  return words.map((w) => w.toLowerCase()).join('_');
}

/**
 * The computed-trait columns of `profiles`, in config order. Throws an Error
 * naming the config path (`unification.computedTraits.<name>`) when a trait's
 * column name is taken by a fixed column or by another trait: the CDK app
 * calls this at synth, so the mistake fails `cdk synth`.
 */
export function computedTraitColumns(
  config: { readonly unification: { readonly computedTraits: Readonly<Record<string, TraitTyping & { readonly description?: string }>> } },
  fixed: readonly CuratedColumn[] = PROFILE_COLUMNS,
): ComputedTraitColumn[] {
  const taken = new Map<string, string>(fixed.map((c) => [c.name, `the fixed column ${c.name} of profiles`]));
  const out: ComputedTraitColumn[] = [];
  for (const [trait, d] of Object.entries(config.unification.computedTraits)) {
    const name = `${COMPUTED_COLUMN_PREFIX}${snakeCase(trait)}`;
    const other = taken.get(name);
    if (other !== undefined) {
      throw new Error(
        `unification.computedTraits.${trait}: its profiles column "${name}" is already ${other}; rename the trait so that its snake-case name is unique`,
      );
    }
    taken.set(name, `the column of unification.computedTraits.${trait}`);
    // Glue keeps column comments up to 255 characters.
    out.push({ name, type: computedTraitColumnType(d), trait, ...(d.description === undefined ? {} : { comment: d.description.slice(0, 255) }) });
  }
  return out;
}

/** Every column of `profiles`: the fixed ones (PROFILE_COLUMNS), then one per computed trait (computedTraitColumns). */
export function profileTableColumns(config: Parameters<typeof computedTraitColumns>[0]): CuratedColumn[] {
  return [...PROFILE_COLUMNS, ...computedTraitColumns(config)];
}
