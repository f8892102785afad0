/**
 * The right to erasure, as the deployed workflow and the local runtime both
 * run it: a request names a person by one identifier or a profile id; the
 * resolve step widens it to the whole person (the profile, every profile
 * merged into it, every identifier the graph links); then one step per store
 * erases them and reports; the receipt collects the reports.
 *
 * Raw identifiers never travel through the workflow's state (Step Functions
 * keeps execution history): the resolved subject is written to an encrypted
 * work object that the steps read by request id, and deleted by the receipt
 * step. Receipts and the suppression list hold keyed hashes only.
 */
import { createHash } from 'node:crypto';
import type { Identifier } from '../../shared/events';

/**
 * Every store c360 writes customer data to. A store added later adds its name
 * here and registers an eraser (the erasure test fails for a store without one).
 *
 * Not a store: the activation pillar's models bucket. Its propensity models and
 * the built-in recommender's model are aggregates (weights, item neighbours,
 * popularity) with no profile id in them, and the Personalize deletion lists it
 * holds (profile ids only) are removed by its lifecycle rule.
 */
export const ERASURE_STORES = [
  /** DynamoDB: the profile, merged-away profiles, identifier index, journal, segment membership, consent. */
  'profiles',
  /** The raw lake (`raw/`): objects rewritten without the person's records; non-current versions removed. */
  'raw-lake',
  /** The quarantine and the on-failure records. */
  'quarantine',
  /** Landing files and their import reports (and the rejected-rows files). */
  'landing',
  /** The profile snapshot Entity Resolution reads, and Entity Resolution's own output (BatchDeleteUniqueId). */
  'matching',
  /** Every curated table of the profile export, and the segment-events history. */
  'curated',
  /** Athena query results (also expired by lifecycle). */
  'query-results',
  /** Redshift: the streaming view re-created without the person, and any table holding them. */
  'redshift',
  /** The segment events delivered on the bus (locally the bus file). */
  'segment-events',
  /**
   * The activation table: messages (MSG#<profileId>), interactions (INT#<profileId>), the
   * profiles' deferred sends (DUE), and the contact suppressions of their addresses
   * (CONTACT#<channel>#<sha256>); locally also the outbox folder's JSON lines.
   */
  'activation',
  /** Audience exports: every customer-list CSV under `audiences/` rewritten without the person's hashed rows (manifests hold counts only). */
  'audience-exports',
  /** Amazon Personalize: a data deletion job (CreateDataDeletionJob) over the dataset group; up to a day, then the models retrain without them. */
  'personalize',
] as const;
export type ErasureStore = (typeof ERASURE_STORES)[number];

/** What a request names: one identifier (`email=…`) or a profile id. */
export type ErasureTarget = { readonly identifier: Identifier } | { readonly profileId: string };

export interface ErasureRequest {
  /** Unique id of the request (the receipt's id). */
  readonly requestId: string;
  readonly target: ErasureTarget;
  /** Who asked (IAM principal deployed, `local:<user>` locally). */
  readonly requestedBy: string;
  readonly requestedAt: string;
  /** Why (ticket number, legal basis): kept on the receipt. */
  readonly reason?: string;
}

/** The whole person, as the identity graph knows them at resolve time. */
export interface ErasureSubject {
  readonly requestId: string;
  /** The live profile and every profile merged into it (and the merged-away ids that point to it). */
  readonly profileIds: readonly string[];
  /** Every identifier the graph links to them, normalised. */
  readonly identifiers: readonly Identifier[];
  /** Values that are personal but not identifiers (name parts, raw email/phone as sent): byte-searched by file erasers. */
  readonly values: readonly string[];
  /** Keyed hashes of the identifiers (the suppression list's entries). */
  readonly hashes: readonly string[];
}

export type StepStatus = 'erased' | 'nothing-found' | 'scheduled' | 'failed' | 'not-deployed';

/** One store's part of the receipt. */
export interface StoreReport {
  readonly store: ErasureStore | string;
  /** How it erased: `DeleteItem`, `rewrite objects`, `BatchDeleteUniqueId`, `CreateDataDeletionJob`, ... */
  readonly method: string;
  readonly status: StepStatus;
  /** Items, rows or records removed. */
  readonly itemsAffected: number;
  /** Objects rewritten or deleted (file stores). */
  readonly objectsAffected?: number;
  readonly completedAt: string;
  /** Why it failed, or what it scheduled. */
  readonly message?: string;
}

/** What remains for a bounded time after the erasure, and until when. */
export interface Residual {
  readonly where: string;
  readonly until: string;
  readonly why: string;
}

export interface ErasureReceipt {
  readonly requestId: string;
  /** Keyed hash of the identifier or profile id the request named: never the raw value. */
  readonly subject: string;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly reason?: string;
  readonly completedAt?: string;
  readonly status: 'running' | 'complete' | 'partial' | 'failed';
  /** How many profiles and identifiers the person had. */
  readonly profiles: number;
  readonly identifiers: number;
  /** Hashes added to the suppression list. */
  readonly suppressed: number;
  readonly stores: readonly StoreReport[];
  readonly residuals: readonly Residual[];
}

/** Key of the work object (the resolved subject) in the governance bucket. */
export const erasureWorkKey = (requestId: string) => `erasure/work/${requestId}.json`;
/** Key of a receipt in the governance bucket. */
export const erasureReceiptKey = (requestId: string) => `erasure/receipts/${requestId}.json`;

/**
 * The Personalize store's deletion lists (one USER_ID column: the person's
 * profile ids) in the activation pillar's models bucket, read by the data
 * deletion job and expired by the bucket's lifecycle.
 */
export const PERSONALIZE_DELETIONS_PREFIX = 'personalize/deletions/';
export const personalizeDeletionKey = (requestId: string) => `${PERSONALIZE_DELETIONS_PREFIX}${requestId}.csv`;
/**
 * Personalize data deletion jobs of the erasure are named `<prefix><requestId>`;
 * a request id too long for Personalize's 63 characters is replaced by a
 * digest of it, so that two requests never share a job name.
 */
export const PERSONALIZE_DELETION_JOB_PREFIX = 'c360-erasure-';
export function personalizeDeletionJobName(requestId: string): string {
  const name = `${PERSONALIZE_DELETION_JOB_PREFIX}${requestId}`;
  if (name.length <= 63) return name;
  return `${PERSONALIZE_DELETION_JOB_PREFIX}${createHash('sha256').update(requestId, 'utf8').digest('hex').slice(0, 63 - PERSONALIZE_DELETION_JOB_PREFIX.length)}`;
}

/** A request id: what the API and the CLI accept back. */
export const ERASURE_REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

/** The input and output of each store step of the deployed workflow. */
export interface ErasureStepInput {
  readonly requestId: string;
}
