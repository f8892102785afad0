/**
 * Producer side used by the CLI and the demo: JSON events (or raw lines) to
 * PutRecords entries, optionally packed the way the KPL aggregates them.
 */
import type { KinesisClient, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { aggregate } from '../shared/kpl';
import { partitionKeyOf } from '../shared/partition-key';
import { putRecordsReliably, type ProducerResult } from '../collection/adapters/kinesis-producer';

export interface Payload {
  readonly partitionKey: string;
  readonly data: Buffer;
}

/** One line of a JSONL file → payload. A line that is not JSON is sent as it is (the consumer quarantines it). */
export function payloadOf(line: string): Payload {
  let partitionKey = 'c360-unparsed';
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null) partitionKey = partitionKeyOf(parsed as Record<string, unknown>);
  } catch {
    // sent unchanged; the consumer records why it cannot be read
  }
  return { partitionKey, data: Buffer.from(line) };
}

/** A line of an events file that is not sent, and why. */
export interface UnreadableLine {
  /** 1-based line of the file. */
  readonly line: number;
  readonly reason: string;
}

export interface EventLines {
  /** One payload per line holding a JSON object, in file order. */
  readonly payloads: Payload[];
  /** The lines that are not JSON, or JSON but not an object: not sent. */
  readonly unreadable: UnreadableLine[];
  /** Blank lines skipped. */
  readonly blank: number;
}

/**
 * A JSONL file's text → the payloads of its events, and the lines that can't
 * be events (with their line number and reason) instead of sending them to
 * be quarantined. Blank lines are skipped; a CR before the LF is dropped.
 */
export function readEventLines(text: string): EventLines {
  const payloads: Payload[] = [];
  const unreadable: UnreadableLine[] = [];
  let blank = 0;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) {
      blank++;
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      unreadable.push({ line: i + 1, reason: `not JSON (${(err as Error).message})` });
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      unreadable.push({ line: i + 1, reason: `not a JSON object (${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`})` });
      return;
    }
    payloads.push({ partitionKey: partitionKeyOf(parsed as Record<string, unknown>), data: Buffer.from(line) });
  });
  return { payloads, unreadable, blank };
}

/** What `c360 send` prints: lines sent, lines that could not be read with the first few reasons by line. */
export function sendSummary(file: string, streamName: string, lines: EventLines, sent: { calls: number; retried: number } | undefined, shown = 5): string {
  const out = [
    `sent ${lines.payloads.length} ${lines.payloads.length === 1 ? 'event' : 'events'} from ${file} to ${streamName}` +
      (sent === undefined ? '' : ` in ${sent.calls} PutRecords calls (${sent.retried} entries retried)`),
  ];
  if (lines.unreadable.length > 0) {
    out.push(`${lines.unreadable.length} ${lines.unreadable.length === 1 ? 'line' : 'lines'} could not be read and were not sent:`);
    for (const u of lines.unreadable.slice(0, shown)) out.push(`  line ${u.line}: ${u.reason}`);
    if (lines.unreadable.length > shown) out.push(`  ... and ${lines.unreadable.length - shown} more`);
  }
  if (lines.blank > 0) out.push(`${lines.blank} blank ${lines.blank === 1 ? 'line' : 'lines'} skipped`);
  return out.join('\n');
}

/**
 * Sends payloads; `aggregateEvery` > 1 packs that many payloads into each
 * KPL-aggregated record (keyed by its first payload's partition key).
 */
export async function sendPayloads(
  kinesis: KinesisClient,
  streamName: string,
  payloads: readonly Payload[],
  opts: { aggregateEvery?: number } = {},
): Promise<ProducerResult> {
  const every = opts.aggregateEvery ?? 1;
  const entries: PutRecordsRequestEntry[] = [];
  for (let i = 0; i < payloads.length; i += every) {
    const group = payloads.slice(i, i + every);
    const first = group[0] as Payload;
    entries.push(
      group.length === 1 && every === 1
        ? { PartitionKey: first.partitionKey, Data: first.data }
        : { PartitionKey: first.partitionKey, Data: aggregate(group) },
    );
  }
  return putRecordsReliably(kinesis, streamName, entries);
}
