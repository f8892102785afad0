/**
 * The customer-view table, defined once: the stack (lib/stacks/unification-stack.ts)
 * and the local runtime (lambda/local/servers.ts) both build it from this; the
 * stores, the segment-changes consumer and its stream filter
 * (lib/constructs/unification/segment-delivery.ts) read and write the keys it names.
 */

/** A key attribute: its name and DynamoDB scalar type. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly projection: 'KEYS_ONLY' | 'ALL';
}

export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  /** Attribute holding an item's expiry (epoch seconds). */
  readonly timeToLiveAttribute: string;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /** What the table's stream carries: segment changes diff the old and new profile images. */
  readonly streamView: 'NEW_AND_OLD_IMAGES';
}

/** The re-check index: profiles whose segments or windowed traits time alone will change, by when. */
export const RECHECK_INDEX = 'recheck';
/** Partitions of the re-check index (a scheduled job queries each). */
export const RECHECK_SHARDS = 4;

/** Attribute names of the table's keys. */
export const PK = 'pk';
export const SK = 'sk';
/** Attribute names of the re-check index's keys. */
export const RECHECK_SHARD = 'rs';
export const RECHECK_AT = 'recheckAt';

// Key values. Every item ever written carries them: changing one orphans the stored items.
const PROFILE_PK_PREFIX = 'P#';
const IDENTIFIER_PK_PREFIX = 'ID#';
const SEGMENT_PK_PREFIX = 'SEG#';
const RECHECK_SHARD_PREFIX = 'R#';
/** Sort key of a profile item; the segment-changes stream filter selects on it. */
export const PROFILE_SK = 'P';
/** Sort key of an identifier index item. */
export const IDENTIFIER_SK = 'ID';
/** Days a journal item is kept when config does not say (unification.identity.journalRetentionDays). */
export const DEFAULT_JOURNAL_RETENTION_DAYS = 400;

/** Epoch seconds at which DynamoDB's TTL may delete a journal item written at `at` (ISO-8601). */
export function journalExpiresAt(at: string, retentionDays: number): number {
  return Math.floor(Date.parse(at) / 1000) + retentionDays * 86_400;
}

/** Sort keys of a profile's journal items start with this (`J#<version, 10 digits>#<tag>`). */
export const JOURNAL_SK_PREFIX = 'J#';
/** Digits of the version in a journal key, so that keys sort in write order. */
const JOURNAL_VERSION_DIGITS = 10;

/**
 * The key of a journal entry: the profile version it was written at (`last`
 * for an unmerge's entries, which sort after every write), then a tag that
 * makes it unique.
 */
export function journalKey(version: number | 'last', tag: string): string {
  const order = version === 'last' ? '9'.repeat(JOURNAL_VERSION_DIGITS) : String(version).padStart(JOURNAL_VERSION_DIGITS, '0');
  return `${JOURNAL_SK_PREFIX}${order}#${tag}`;
}

/** Partition key of a profile and of its journal. */
export const profilePk = (profileId: string) => `${PROFILE_PK_PREFIX}${profileId}`;
/** The profile id in a profile partition key. */
export const profileIdOfPk = (pk: string) => pk.slice(PROFILE_PK_PREFIX.length);
/** Partition key of the identifier index item of `key` (`<type>#<value>`). */
export const identifierPk = (key: string) => `${IDENTIFIER_PK_PREFIX}${key}`;
/** The identifier key in an identifier index partition key. */
export const identifierOfPk = (pk: string) => pk.slice(IDENTIFIER_PK_PREFIX.length);
/** Partition key of a segment's membership items (their sort key is the member's profile id). */
export const segmentPk = (segment: string) => `${SEGMENT_PK_PREFIX}${segment}`;
/** Partition key, in the re-check index, of shard `shard` (0 to RECHECK_SHARDS - 1). */
export const recheckShardPk = (shard: number) => `${RECHECK_SHARD_PREFIX}${shard}`;

/**
 * One table: profiles (`P#<id>` / `P`), the identifier index (`ID#<key>` / `ID`),
 * the event journal (`P#<id>` / `J#…`) and segment membership (`SEG#<name>` / `<id>`).
 * The re-check index is sparse: only live profiles that time alone will change
 * carry `rs` / `recheckAt`.
 */
export const PROFILE_TABLE: TableDefinition = {
  partitionKey: { name: PK, type: 'S' },
  sortKey: { name: SK, type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    {
      indexName: RECHECK_INDEX,
      partitionKey: { name: RECHECK_SHARD, type: 'S' },
      sortKey: { name: RECHECK_AT, type: 'N' },
      projection: 'KEYS_ONLY',
    },
  ],
  streamView: 'NEW_AND_OLD_IMAGES',
};
