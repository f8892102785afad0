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
