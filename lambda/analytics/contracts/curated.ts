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
 */

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

/** Fixed columns of `profiles`; the computed traits from config follow them (see the profile export). */
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
  { name: 'consent', type: 'string', comment: 'consent by purpose, JSON object (null until consent is recorded)' },
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
