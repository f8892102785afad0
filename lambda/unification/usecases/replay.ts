/**
 * Replay: re-drives a range of the event stream through the same batch use
 * case the consumer runs (unifyBatch), so its de-duplication applies: an
 * event a profile already holds counts as a duplicate, not a second
 * application. The range is a start (a time or a sequence number), an
 * optional end, and optionally one shard; an on-failure message of the
 * consumer (Lambda's Kinesis batch info, or the local runtime's entry) names
 * exactly such a range.
 *
 * De-duplication only reaches back as far as the profiles' window
 * (`unification.dedupeWindowHours`, and at most MAX_SEEN keys a profile): an
 * event that arrived before it is no longer recognised, so replaying it
 * would count it again. A range that starts before the window is refused,
 * naming the oldest position that is safe, before anything is applied;
 * `allowOlderThanWindow` replays it anyway (for records known never to have
 * been applied, such as a batch that failed whole).
 */
import type { StreamRecord } from '../core/records';
import { addOutcome, emptyOutcomeCounts, unifyBatch, type BatchOutcome, type UnifyDeps } from './unify-batch';

/** Where a replay starts or ends: an arrival time (epoch ms) or a shard's sequence number. */
export type StreamPosition = { readonly atMs: number } | { readonly sequenceNumber: string };

export interface ReplayRange {
  readonly from: StreamPosition;
  /** Inclusive; absent: up to the records the stream holds now. */
  readonly to?: StreamPosition;
  /** One shard; absent: every shard (a sequence number start needs a shard when the stream has several). */
  readonly shardId?: string;
}

/** Reads records of the stream in a range, in order within each shard. */
export interface StreamRangeReader {
  shardIds(): Promise<string[]>;
  /** Batches of the shard's records from `from` (inclusive) until `to` (inclusive) or the end of what the shard holds. */
  read(shardId: string, from: StreamPosition, to: StreamPosition | undefined, batchSize: number): AsyncIterable<StreamRecord[]>;
}

export interface ReplayOutcome {
  readonly shards: ReadonlyArray<{ readonly shardId: string; readonly records: number; readonly firstSequenceNumber?: string; readonly lastSequenceNumber?: string }>;
  readonly batches: number;
  readonly records: number;
  readonly payloads: number;
  readonly applied: number;
  readonly duplicates: number;
  readonly quarantined: number;
  readonly suppressed: number;
  readonly merges: number;
  /** Sequence numbers the consumer could not apply (store conflicts beyond its retries): replay them again. */
  readonly failedSequenceNumbers: string[];
}

export interface ReplayDeps extends UnifyDeps {
  readonly batchSize: number;
  readonly observe?: (o: BatchOutcome) => void;
  /** Replay records older than the de-duplication window too, though events already applied among them count again. */
  readonly allowOlderThanWindow?: boolean;
}

export async function replayRange(reader: StreamRangeReader, range: ReplayRange, deps: ReplayDeps): Promise<ReplayOutcome> {
  const all = await reader.shardIds();
  let shardIds = all;
  if (range.shardId !== undefined) {
    if (!all.includes(range.shardId)) throw new Error(`the stream has no shard ${range.shardId} (it has ${all.join(', ')})`);
    shardIds = [range.shardId];
  } else if ('sequenceNumber' in range.from && all.length > 1) {
    throw new Error(`a sequence number belongs to one shard: name it with --shard (the stream has ${all.join(', ')})`);
  }
  if (deps.allowOlderThanWindow !== true) await refuseOlderThanWindow(reader, shardIds, range, deps);
  const totals = emptyOutcomeCounts();
  const failed: string[] = [];
  const shards: Array<ReplayOutcome['shards'][number]> = [];
  for (const shardId of shardIds) {
    let records = 0;
    let first: string | undefined;
    let last: string | undefined;
    for await (const batch of reader.read(shardId, range.from, range.to, deps.batchSize)) {
      if (batch.length === 0) continue;
      first ??= batch[0]?.sequenceNumber;
      last = batch[batch.length - 1]?.sequenceNumber;
      records += batch.length;
      const outcome = await unifyBatch(batch, `replay-${shardId}-${batch[0]?.sequenceNumber}-${batch.length}`, 'kinesis', deps);
      deps.observe?.(outcome);
      addOutcome(totals, outcome);
      failed.push(...outcome.failedSequenceNumbers);
    }
    shards.push({ shardId, records, ...(first === undefined ? {} : { firstSequenceNumber: first }), ...(last === undefined ? {} : { lastSequenceNumber: last }) });
  }
  return { shards, ...totals, failedSequenceNumbers: failed };
}

/** Throws, saying from where a replay is safe, when a shard's first record in the range arrived before the de-duplication window. */
async function refuseOlderThanWindow(reader: StreamRangeReader, shardIds: readonly string[], range: ReplayRange, deps: ReplayDeps): Promise<void> {
  const nowMs = (deps.clock ?? Date.now)();
  const windowSeconds = deps.settings.dedupeWindowSeconds;
  const cutoffMs = nowMs - windowSeconds * 1000;
  for (const shardId of shardIds) {
    // Records of a shard arrive in order: its first record in the range is its oldest.
    let first: StreamRecord | undefined;
    for await (const batch of reader.read(shardId, range.from, range.to, 1)) {
      first = batch[0];
      if (first !== undefined) break;
    }
    if (first !== undefined && first.arrivalMs < cutoffMs) {
      const hours = Math.round(windowSeconds / 360) / 10;
      throw new Error(
        `${shardId} has records in the range that arrived at ${new Date(first.arrivalMs).toISOString()}, before the de-duplication window ` +
          `(unification.dedupeWindowHours: ${hours} h): profiles no longer remember whether they applied those events, so replaying them would count ` +
          `any that were applied twice. Replay from ${new Date(cutoffMs).toISOString()} or later, or pass --allow-older-than-window if the records ` +
          `were never applied (a batch that failed whole).`,
      );
    }
  }
}

/** Whether a record at (`sequenceNumber`, `arrivalMs`) is past the range's end. */
export function pastEnd(to: StreamPosition | undefined, sequenceNumber: string, arrivalMs: number): boolean {
  if (to === undefined) return false;
  return 'atMs' in to ? arrivalMs > to.atMs : BigInt(sequenceNumber) > BigInt(to.sequenceNumber);
}

/** `--from`/`--to`: an all-digit value is a sequence number, anything else an ISO 8601 time. */
export function parseStreamPosition(value: string, flag: string): StreamPosition {
  const v = value.trim();
  if (/^\d+$/.test(v)) return { sequenceNumber: v };
  const atMs = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(atMs)) throw new Error(`${flag} expects an ISO 8601 time (2026-01-31T12:00:00Z) or a sequence number (digits only), got "${v}"`);
  return { atMs };
}

/** The range an on-failure message names: one shard, from its first to its last sequence number. */
export interface FailedBatch {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly streamArn?: string;
}

/**
 * The failed batches in an on-failure file or message: Lambda's on-failure
 * record (`KinesisBatchInfo`), an SQS message carrying one (`Body`, or a
 * ReceiveMessage answer's `Messages`), or the local runtime's entries (one
 * JSON object per line). Anything else is an error naming the line.
 */
export function parseOnFailure(text: string): FailedBatch[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('the on-failure message is empty');
  let documents: Array<{ line: number; value: unknown }>;
  try {
    documents = [{ line: 1, value: JSON.parse(trimmed) as unknown }];
  } catch {
    documents = [];
    trimmed.split('\n').forEach((raw, i) => {
      if (raw.trim() === '') return;
      try {
        documents.push({ line: i + 1, value: JSON.parse(raw) as unknown });
      } catch {
        throw new Error(`line ${i + 1} of the on-failure message is not JSON`);
      }
    });
  }
  return documents.flatMap(({ line, value }) => batchesOf(value, line));
}

function batchesOf(value: unknown, line: number): FailedBatch[] {
  if (Array.isArray(value)) return value.flatMap((v) => batchesOf(v, line));
  if (typeof value !== 'object' || value === null) throw new Error(`line ${line} of the on-failure message is not an object`);
  const o = value as Record<string, unknown>;
  if (Array.isArray(o.Messages)) return o.Messages.flatMap((m) => batchesOf(m, line));
  if (typeof o.Body === 'string') {
    let body: unknown;
    try {
      body = JSON.parse(o.Body);
    } catch {
      throw new Error(`the SQS message body on line ${line} is not JSON`);
    }
    return batchesOf(body, line);
  }
  const info = (typeof o.KinesisBatchInfo === 'object' && o.KinesisBatchInfo !== null ? o.KinesisBatchInfo : o) as Record<string, unknown>;
  const { shardId, startSequenceNumber, endSequenceNumber, streamArn } = info;
  const missing = (['shardId', 'startSequenceNumber', 'endSequenceNumber'] as const).filter((k) => typeof info[k] !== 'string' || info[k] === '');
  if (missing.length > 0) throw new Error(`line ${line} of the on-failure message names no Kinesis batch: ${missing.join(', ')} missing`);
  if (!/^\d+$/.test(startSequenceNumber as string) || !/^\d+$/.test(endSequenceNumber as string)) {
    throw new Error(`line ${line} of the on-failure message: sequence numbers must be digits`);
  }
  return [
    {
      shardId: shardId as string,
      startSequenceNumber: startSequenceNumber as string,
      endSequenceNumber: endSequenceNumber as string,
      ...(typeof streamArn === 'string' ? { streamArn } : {}),
    },
  ];
}
