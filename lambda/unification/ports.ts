/**
 * The narrow interfaces the unification use cases talk to, implemented in
 * adapters/: by AWS services deployed, and by local stand-ins (in-memory,
 * files, the local servers) where the local runtime needs one.
 */
import type { UnifyEvent } from '../shared/events';
import type { Claim, VersionedWrite } from './core/identity/plan-types';
import type { Profile } from './core/profile/profile';
import type { QuarantineEntry } from './core/records';
import type { SegmentChange } from './core/segments/segment-changes';

export type { QuarantineEntry, SegmentChange };

/**
 * The events applied to a profile in one write from its first merge on, kept
 * so that an unmerge can split it (items `pk = P#<profileId>`, `sk = J#…`);
 * or, once per first merge, the base: the profile as it was just before.
 */
export interface JournalEntry {
  readonly profileId: string;
  /** Unique within the profile; entries sort by it in write order. */
  readonly key: string;
  /** When it was written (processing time, ISO-8601). */
  readonly at: string;
  readonly events: readonly UnifyEvent[];
  /** messageIds journaled under this profile earlier that an unmerge moved to another profile. */
  readonly moved?: readonly string[];
  /**
   * The profile's doc just before its first merge (at `base.version`): it
   * stands for every event the profile had then, and for the entries at or
   * below that version.
   */
  readonly base?: Profile;
}

/** The single customer view: profiles and the identifier index. */
export interface ProfileStore {
  /** Current owner (profile id) of each identifier key that has one. */
  getOwners(keys: readonly string[]): Promise<Map<string, string>>;
  /** The profiles that exist among `ids`. */
  getProfiles(ids: readonly string[]): Promise<Map<string, Profile>>;
  /** Conditional profile writes; one boolean per write: false when its condition failed. */
  putProfiles(writes: readonly VersionedWrite[]): Promise<boolean[]>;
  /** Conditional identifier claims; one boolean per claim: false when its condition failed. */
  putClaims(claims: readonly Claim[]): Promise<boolean[]>;
  /**
   * All-or-nothing profile writes, claims and journal entries (an unmerge
   * rewrites two profiles, repoints identifiers and moves events at once);
   * false when any condition failed. At most 100 items in all.
   */
  transact(writes: readonly VersionedWrite[], claims: readonly Claim[], journal?: readonly JournalEntry[]): Promise<boolean>;
  /** Unconditional, idempotent journal writes. */
  putJournal(entries: readonly JournalEntry[]): Promise<void>;
  /** Removes journal entries of writes that lost their race. */
  deleteJournal(entries: ReadonlyArray<Pick<JournalEntry, 'profileId' | 'key'>>): Promise<void>;
  /** Every journal entry of these profiles, in key order per profile. */
  readJournal(profileIds: readonly string[]): Promise<JournalEntry[]>;
  /** Ids of live profiles whose re-check time has come (`recheckAt <= nowMs`), at most `limit`. */
  dueForRecheck(nowMs: number, limit: number): Promise<string[]>;
}

export interface QuarantineSink {
  /**
   * Stores one batch's rejected records. `batchId` names the batch so that a
   * retried batch overwrites its own entries instead of adding copies.
   */
  put(batchId: string, entries: readonly QuarantineEntry[]): Promise<void>;
}

/** Segment membership, queryable by segment (items `pk = SEG#<segment>`, `sk = <profileId>`). */
export interface SegmentMembershipStore {
  /** Adds members on `entered`, removes them on `exited`; idempotent. */
  apply(changes: readonly SegmentChange[]): Promise<void>;
  /** One page of a segment's members, in profile-id order; `next` is an opaque cursor for the following page. */
  members(segment: string, limit: number, cursor?: string): Promise<{ profileIds: string[]; next?: string }>;
}

/** Where segment changes are published for activation: EventBridge deployed, a local bus locally. */
export interface SegmentEventPublisher {
  publish(changes: readonly SegmentChange[]): Promise<void>;
}

/** One worker's share of a parallel read of every live profile. */
export interface ScanSegment {
  /** This worker's segment, 0 to totalSegments - 1. */
  readonly segment: number;
  /** How many segments the table is split into (DynamoDB: 1 to 1,000,000). */
  readonly totalSegments: number;
  /**
   * Items DynamoDB evaluates per page (before the filter), to bound each
   * call's size and time.
   * @default DynamoDB's 1 MB page
   */
  readonly pageSize?: number;
}

/** Every live profile (not merged away), read in parallel segments. */
export interface ProfileScan {
  scan(options: ScanSegment): AsyncIterable<Profile>;
}

/** Writes one object of the profile snapshot, replacing any previous one under the key. */
export interface SnapshotSink {
  put(key: string, body: Uint8Array | string): Promise<void>;
}

/** The matching jobs of the Entity Resolution workflow that reads the snapshot. */
export interface MatchingJobs {
  /** The id of a job still queued or running, if any: it reads the snapshot until it ends. */
  activeJob(): Promise<string | undefined>;
  /** Starts a job over the snapshot as it is now; its id. */
  start(): Promise<string | undefined>;
}

/**
 * Puts events on the event stream, where they go through the same pipeline
 * as every producer's (tracking plan, suppression, identity resolution, the
 * journal): the profile API records a consent decision this way instead of
 * writing the table.
 */
export interface EventStreamWriter {
  /** Puts one Segment-spec event; resolves once the stream has it. */
  put(event: Readonly<Record<string, unknown>>): Promise<void>;
}
