/**
 * The customer-view table, defined once: the stack (lib/stacks/unification-stack.ts)
 * and the local runtime (lambda/local/servers.ts) both build it from this, and
 * the profile store reads and writes the keys it names.
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

/**
 * One table: profiles (`P#<id>` / `P`), the identifier index (`ID#<key>` / `ID`),
 * the event journal (`P#<id>` / `J#…`) and segment membership (`SEG#<name>` / `<id>`).
 * The re-check index is sparse: only live profiles that time alone will change
 * carry `rs` / `recheckAt`.
 */
export const PROFILE_TABLE: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    {
      indexName: RECHECK_INDEX,
      partitionKey: { name: 'rs', type: 'S' },
      sortKey: { name: 'recheckAt', type: 'N' },
      projection: 'KEYS_ONLY',
    },
  ],
  streamView: 'NEW_AND_OLD_IMAGES',
};
