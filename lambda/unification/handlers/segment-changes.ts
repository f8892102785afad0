/**
 * The DynamoDB Streams consumer that delivers segment membership changes
 * (and, given an audit log, records merges, unmerges and consent changes),
 * independent of where it runs: the Lambda entry (functions/segment-changes.ts) and the
 * local runtime build it with their own adapters.
 *
 * Only profile items (`sk = P`) matter; other items of the table (identifier
 * index, journal, segment membership itself) are skipped. Each profile record
 * gives a (before, after) pair from its old and new images. A record that
 * cannot be read, or a batch whose delivery fails, is reported by the
 * SequenceNumber of the first record not done: Lambda then retries the
 * shard from that record on (the partial-batch contract of DynamoDB Streams).
 */
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { decodeProfile } from '../contracts/profile-document';
import { PROFILE_SK, SK } from '../contracts/table';
import type { Profile } from '../core/profile/profile';
import { applySegmentChanges, type ProfilePair, type SegmentChangeDeps } from '../usecases/segment-changes';

export interface SegmentBatchOutcome {
  readonly records: number;
  /** Records of profile items among them. */
  readonly profileRecords: number;
  readonly entered: number;
  readonly exited: number;
  /** Audit records appended (merges, unmerges, consent changes). */
  readonly audited: number;
  /** SequenceNumber reported as the first failure, if any. */
  readonly failedSequenceNumber?: string;
  readonly error?: unknown;
}

export interface SegmentChangesHandlerDeps extends SegmentChangeDeps {
  /** Told the outcome of every batch (logs, metrics, the local runtime). */
  readonly observe?: (outcome: SegmentBatchOutcome) => void;
}

export const isProfileRecord = (r: DynamoDBRecord) => r.dynamodb?.Keys?.[SK]?.S === PROFILE_SK;

/**
 * A stream image as the SDK's marshalled form: the Lambda event carries
 * binary values as base64 text (a GetRecords response as bytes already).
 */
function toSdkValue(v: AttributeValue): SdkAttributeValue {
  const bytes = (b: string | Uint8Array) => (typeof b === 'string' ? Buffer.from(b, 'base64') : b);
  if (v.B !== undefined) return { B: bytes(v.B) };
  if (v.BS !== undefined) return { BS: v.BS.map(bytes) };
  if (v.L !== undefined) return { L: v.L.map(toSdkValue) };
  if (v.M !== undefined) return { M: toSdkImage(v.M) };
  return v as SdkAttributeValue;
}

function toSdkImage(image: Record<string, AttributeValue>): Record<string, SdkAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toSdkValue(v)]));
}

/** The profile of a stream image of a profile item. */
export function imageProfile(image: Record<string, AttributeValue>): Profile {
  return decodeProfile(unmarshall(toSdkImage(image)).doc);
}

/** The (before, after) pair of a profile record. */
export function recordPair(r: DynamoDBRecord): ProfilePair {
  const stream = r.dynamodb;
  if (stream?.StreamViewType !== undefined && stream.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
    throw new Error(`stream view type is ${stream.StreamViewType}; segment changes need NEW_AND_OLD_IMAGES`);
  }
  const old = stream?.OldImage;
  const next = stream?.NewImage;
  if (r.eventName !== 'INSERT' && old === undefined) throw new Error(`${r.eventName ?? 'stream'} record without OldImage`);
  if (r.eventName !== 'REMOVE' && next === undefined) throw new Error(`${r.eventName ?? 'stream'} record without NewImage`);
  return {
    ...(old === undefined ? {} : { before: imageProfile(old) }),
    ...(next === undefined ? {} : { after: imageProfile(next) }),
  };
}

const sequenceOf = (r: DynamoDBRecord) => r.dynamodb?.SequenceNumber ?? r.eventID ?? '';

export function createSegmentChangesHandler(deps: SegmentChangesHandlerDeps) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const read: Array<{ sequenceNumber: string; pair: ProfilePair }> = [];
    let failure: { sequenceNumber: string; error: unknown } | undefined;
    let profileRecords = 0;
    for (const r of event.Records) {
      if (!isProfileRecord(r)) continue;
      profileRecords++;
      try {
        read.push({ sequenceNumber: sequenceOf(r), pair: recordPair(r) });
      } catch (error) {
        // Records from here on wait for the retry; those before it are delivered now.
        failure = { sequenceNumber: sequenceOf(r), error };
        break;
      }
    }

    let counts = { entered: 0, exited: 0, audited: 0 };
    const first = read[0];
    if (first !== undefined) {
      try {
        counts = await applySegmentChanges(
          read.map((x) => x.pair),
          deps,
        );
      } catch (error) {
        // Which changes got through is unknown: retry from the first profile record (re-applying is safe).
        failure = { sequenceNumber: first.sequenceNumber, error };
      }
    }

    deps.observe?.({
      records: event.Records.length,
      profileRecords,
      ...counts,
      ...(failure === undefined ? {} : { failedSequenceNumber: failure.sequenceNumber, error: failure.error }),
    });
    return { batchItemFailures: failure === undefined ? [] : [{ itemIdentifier: failure.sequenceNumber }] };
  };
}
