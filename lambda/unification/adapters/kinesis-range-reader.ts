/**
 * Reads a range of a Kinesis stream (deployed, or kinesalite locally):
 * GetShardIterator AT_TIMESTAMP or AT_SEQUENCE_NUMBER, then GetRecords until
 * the range's end or until the shard has nothing more (caught up).
 */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { StreamRecord } from '../core/records';
import { pastEnd, type StreamPosition, type StreamRangeReader } from '../usecases/replay';

export class KinesisRangeReader implements StreamRangeReader {
  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
  ) {}

  async shardIds(): Promise<string[]> {
    const ids: string[] = [];
    let next: string | undefined;
    do {
      const page = await this.kinesis.send(new ListShardsCommand(next === undefined ? { StreamName: this.streamName } : { NextToken: next }));
      for (const s of page.Shards ?? []) if (s.ShardId !== undefined) ids.push(s.ShardId);
      next = page.NextToken;
    } while (next !== undefined);
    return ids;
  }

  async *read(shardId: string, from: StreamPosition, to: StreamPosition | undefined, batchSize: number): AsyncIterable<StreamRecord[]> {
    const start = await this.kinesis.send(
      new GetShardIteratorCommand(
        'atMs' in from
          ? { StreamName: this.streamName, ShardId: shardId, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(from.atMs) }
          : { StreamName: this.streamName, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: from.sequenceNumber },
      ),
    );
    let iterator = start.ShardIterator;
    while (iterator !== undefined) {
      const out = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
      iterator = out.NextShardIterator;
      const batch: StreamRecord[] = [];
      let ended = false;
      for (const r of out.Records ?? []) {
        const record = {
          sequenceNumber: r.SequenceNumber as string,
          partitionKey: r.PartitionKey as string,
          data: Buffer.from(r.Data ?? new Uint8Array()),
          arrivalMs: r.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
        };
        if (pastEnd(to, record.sequenceNumber, record.arrivalMs)) {
          ended = true;
          break;
        }
        batch.push(record);
      }
      if (batch.length > 0) yield batch;
      // Caught up: an empty read at the tip (a read may be empty mid-shard too, so only the tip ends it).
      if (ended || ((out.Records ?? []).length === 0 && (out.MillisBehindLatest ?? 0) === 0)) return;
    }
  }
}
