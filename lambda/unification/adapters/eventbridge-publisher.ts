/**
 * SegmentEventPublisher on an EventBridge bus: one event per change,
 *   source       `c360.segments`
 *   detail-type  `Segment Entered` | `Segment Exited`
 *   detail       the SegmentChange
 *   time         the change's `at`
 * PutEvents takes at most 10 entries and 256 KB per call; an entry it could
 * not take comes back with an ErrorCode and only those are sent again, with
 * backoff. Publication is at least once: a retried stream batch publishes its
 * changes again, so consumers de-duplicate on (segment, profileId, change, at)
 * or treat the events as idempotent state ("is in" / "is not in").
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { chunkBy } from '../../shared/chunk';
import { DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_ATTEMPTS, retryBatch } from '../../shared/retry';
import { SEGMENT_EVENT_SOURCE, segmentDetailType } from '../core/segments/segment-changes';
import type { SegmentChange, SegmentEventPublisher } from '../ports';

/** PutEvents limits. */
export const MAX_ENTRIES_PER_CALL = 10;
export const MAX_BYTES_PER_CALL = 256 * 1024;

/**
 * An entry's size as EventBridge counts it (Time 14 bytes, plus the UTF-8
 * bytes of Source, DetailType, Detail and Resources); the bus name is added
 * as well, to stay on the safe side.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  let size = entry.Time === undefined ? 0 : 14;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + bytes(entry.EventBusName);
  for (const r of entry.Resources ?? []) size += bytes(r);
  return size;
}

/** Consecutive chunks of at most MAX_ENTRIES_PER_CALL entries and MAX_BYTES_PER_CALL bytes; throws on an entry larger than a call takes. */
export function chunkEntries(entries: readonly PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  return chunkBy(entries, {
    maxCount: MAX_ENTRIES_PER_CALL,
    maxBytes: MAX_BYTES_PER_CALL,
    sizeOf: (entry) => {
      const size = entrySize(entry);
      if (size > MAX_BYTES_PER_CALL) throw new Error(`a segment event of ${size} bytes exceeds the PutEvents limit of ${MAX_BYTES_PER_CALL}`);
      return size;
    },
  });
}

export interface EventBridgePublisherOptions {
  /** PutEvents calls per chunk (the first and its retries of failed entries). */
  readonly maxAttempts?: number;
  /** Backoff base: a retry waits up to baseDelayMs · 2^attempt (full jitter). */
  readonly baseDelayMs?: number;
}

export class EventBridgePublisher implements SegmentEventPublisher {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    opts: EventBridgePublisherOptions = {},
  ) {
    this.maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.baseDelayMs = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  }

  toEntry(change: SegmentChange): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: SEGMENT_EVENT_SOURCE,
      DetailType: segmentDetailType(change),
      Detail: JSON.stringify(change),
      Time: new Date(change.at),
    };
  }

  /**
   * Publishes every change; every chunk is tried even when one fails, then
   * it throws naming how many changes were not published.
   */
  async publish(changes: readonly SegmentChange[]): Promise<void> {
    const chunks = chunkEntries(changes.map((c) => this.toEntry(c)));
    const failures = new Map<string, number>();
    let unpublished = 0;
    for (const chunk of chunks) {
      const failed = await this.putChunk(chunk);
      unpublished += failed.length;
      for (const f of failed) failures.set(f.code, (failures.get(f.code) ?? 0) + 1);
    }
    if (unpublished > 0) {
      const codes = [...failures].map(([code, n]) => `${code} ×${n}`).join(', ');
      throw new Error(
        `EventBridge did not publish ${unpublished} of ${changes.length} segment changes to ${this.busName} after ${this.maxAttempts} attempts (${codes})`,
      );
    }
  }

  /** Sends a chunk, retrying only its failed entries; returns those still failed at the end. */
  private async putChunk(chunk: PutEventsRequestEntry[]): Promise<Array<{ entry: PutEventsRequestEntry; code: string }>> {
    const { unsent } = await retryBatch(
      chunk.map((entry) => ({ entry, code: 'not sent' })),
      async (pending) => {
        const out = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
        if ((out.FailedEntryCount ?? 0) === 0 && (out.Entries ?? []).every((e) => e.ErrorCode === undefined)) return [];
        // Result entries are in request order; a missing one counts as failed.
        return pending.flatMap((p, i) => {
          const result = out.Entries?.[i];
          if (result !== undefined && result.ErrorCode === undefined && result.EventId !== undefined) return [];
          return [{ entry: p.entry, code: result?.ErrorCode ?? 'no result' }];
        });
      },
      { maxAttempts: this.maxAttempts, baseDelayMs: this.baseDelayMs },
    );
    return unsent;
  }
}
