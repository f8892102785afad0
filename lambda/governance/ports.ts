/**
 * The narrow interfaces the governance use cases talk to, implemented in
 * adapters/: AWS services deployed, files and the local servers locally.
 * Other pillars reach the suppression list and the audit log through these.
 */
import type { AuditRecord } from './contracts/audit';
import type { ErasureReceipt, ErasureRequest, ErasureStore, ErasureSubject, StoreReport } from './contracts/erasure';
import type { SuppressionIdentifierOptions } from './contracts/suppression';
import type { Identifier } from '../shared/events';

/** The append-only audit log. */
export interface AuditLog {
  append(records: readonly AuditRecord[]): Promise<void>;
}

/** Keyed hashes (HMAC) of values: subjects in the audit log and receipts, suppression entries. */
export interface SubjectHasher {
  /** The keyed hash of a normalised identifier (`<type>:<value>`). */
  identifier(id: Identifier): string;
  /** The keyed hash of a profile id. */
  profile(profileId: string): string;
}

/** Erased people's identifiers, as keyed hashes: every ingest path drops their later events. */
export interface SuppressionList {
  /** The hashes among `hashes` that are suppressed. */
  suppressed(hashes: readonly string[]): Promise<Set<string>>;
  add(hashes: readonly string[], requestId: string): Promise<void>;
  remove(hashes: readonly string[], requestId: string): Promise<number>;
}

/** Erases a person from one store. */
export interface StoreEraser {
  readonly store: ErasureStore | string;
  erase(subject: ErasureSubject): Promise<StoreReport>;
}

/** Where receipts (and the resolved subject while the erasure runs) are kept. */
export interface ErasureRecords {
  putSubject(subject: ErasureSubject): Promise<void>;
  getSubject(requestId: string): Promise<ErasureSubject | undefined>;
  deleteSubject(requestId: string): Promise<void>;
  putReceipt(receipt: ErasureReceipt): Promise<void>;
  getReceipt(requestId: string): Promise<ErasureReceipt | undefined>;
}

/** What an ingest path asks of the suppression list: which events name a suppressed (erased) person. */
export interface SuppressionCheck {
  /** Per entry (one event's identifiers, normalised), whether any of them is suppressed. */
  suppressed(identifierSets: ReadonlyArray<readonly Identifier[]>): Promise<boolean[]>;
}

/**
 * What an ingest path is given to drop an erased person's events: the check,
 * and which identifiers of a raw event it asks about (contracts/suppression.ts).
 */
export interface IngestSuppression {
  readonly check: SuppressionCheck;
  readonly identifiers: SuppressionIdentifierOptions;
}

/** Starts an erasure: deployed, a Step Functions execution of the erasure workflow; locally, the steps in-process. */
export interface ErasureStarter {
  /** Resolves once the erasure is started (locally: once it is done). */
  start(request: ErasureRequest): Promise<void>;
}
