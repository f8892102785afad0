/**
 * The stores the local consumer, API and re-check share: the profile table
 * behind local transactions and a change feed that plays the table's stream
 * (segment membership, then the bus), and the quarantine folder.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoProfileStore, type DynamoProfileStoreOptions } from '../unification/adapters/dynamodb-profile-store';
import { DynamoSegmentStore } from '../unification/adapters/dynamodb-segment-store';
import { LocalBus } from '../unification/adapters/local-bus';
import { FileQuarantineSink } from '../unification/adapters/quarantine';
import type { ProfileStore, QuarantineSink } from '../unification/ports';
import { applySegmentChanges } from '../unification/usecases/segment-changes';
import { auditDiffs } from '../governance/core/audit-diff';
import type { AuditLog, SubjectHasher } from '../governance/ports';
import { ChangeFeedStore } from './change-feed';
import type { DataDir } from './data-dir';
import { LocalTransactionStore } from './local-transactions';

export interface LocalStores {
  /** The DynamoDB store itself, metered: its usage is what the consumer's calls cost. */
  readonly store: DynamoProfileStore;
  /** What the consumer, the profile API and the re-check write through. */
  readonly profiles: ProfileStore;
  /** Segment membership (what `GET /segments/{name}/members` reads). */
  readonly membership: DynamoSegmentStore;
  readonly bus: LocalBus;
  readonly quarantine: QuarantineSink;
}

/** The audit of profile writes (merges, unmerges, consent changes), as the deployed table-stream function records it. */
export interface StoreAudit {
  readonly log: AuditLog;
  readonly hasher: SubjectHasher;
}

export interface StoreWrappers {
  readonly wrapStore?: (store: ProfileStore) => ProfileStore;
  readonly wrapQuarantine?: (sink: QuarantineSink) => QuarantineSink;
}

export function localStores(
  doc: DynamoDBDocumentClient,
  tableName: string,
  paths: DataDir,
  wrap: StoreWrappers = {},
  audit?: StoreAudit,
  options: DynamoProfileStoreOptions = {},
): LocalStores {
  const store = new DynamoProfileStore(doc, tableName, options);
  // What the table's stream and the segment-changes function do deployed: membership, then the bus.
  const membership = new DynamoSegmentStore(doc, tableName);
  const bus = new LocalBus(paths.busFile);
  // dynalite has no TransactWriteItems: the process's writes take turns instead (see local-transactions.ts).
  const feed = new ChangeFeedStore(
    new LocalTransactionStore(store),
    (pairs) =>
      applySegmentChanges(pairs, {
        membership,
        publisher: bus,
        ...(audit === undefined ? {} : { audit: { log: audit.log, records: (p, at) => auditDiffs(p, { hasher: audit.hasher, at }) } }),
      }),
    // Unmetered: deployed, the stream carries the old images and the consumer reads nothing for them.
    new DynamoProfileStore(doc, tableName),
  );
  const fileSink = new FileQuarantineSink(paths.lakeDir);
  return {
    store,
    profiles: wrap.wrapStore?.(feed) ?? feed,
    membership,
    bus,
    quarantine: wrap.wrapQuarantine?.(fileSink) ?? fileSink,
  };
}
