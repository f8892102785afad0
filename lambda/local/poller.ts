/**
 * A local Kinesis event source mapping: reads every shard of a stream and
 * feeds batches to a consumer handler with Lambda's semantics:
 * - batch size, and a batching window bounded by the poll interval;
 * - partial batch responses: a batch is retried from the lowest failed sequence number;
 * - bisect on error: a batch whose handler throws is split in two and each half retried;
 * - bounded retries and record age, after which the records go to the on-failure destination;
 * - a checkpoint per shard (when given): the last sequence number handled, so
 *   a restarted poller resumes after it (AFTER_SEQUENCE_NUMBER) instead of
 *   reading the shard again from its trim horizon.
 */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export type ConsumerHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

export interface OnFailureEntry {
  readonly reason: string;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
  /** Lambda's on-failure record carries only the positions; locally the records come along to ease replay. */
  readonly records: ReadonlyArray<{ sequenceNumber: string; partitionKey: string; data: string }>;
}

/** Where a poller keeps its position in each shard. */
export interface ShardCheckpoints {
  /** The last sequence number handled in the shard, if any. */
  read(shardId: string): Promise<string | undefined>;
  /** Records that every record up to `sequenceNumber` in the shard has been handled (applied or sent to the on-failure destination). */
  write(shardId: string, sequenceNumber: string): Promise<void>;
}

export interface PollerOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly streamArn: string;
  readonly handler: ConsumerHandler;
  readonly onFailure: (entry: OnFailureEntry) => Promise<void>;
  readonly batchSize: number;
  readonly maxRetryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly bisectBatchOnError: boolean;
  readonly pollIntervalMs: number;
  readonly region?: string;
  readonly clock?: () => number;
  /** Told of a read that failed (the shard loop waits and reads again). */
  readonly onError?: (err: Error) => void;
  /** Keeps the position in each shard across restarts; without it every start reads from the trim horizon. */
  readonly checkpoints?: ShardCheckpoints;
}

export interface PollerStats {
  batches: number;
  records: number;
  retries: number;
  bisections: number;
  sentToOnFailure: number;
  getRecordsCalls: number;
}

export class LocalPoller {
  readonly stats: PollerStats = { batches: 0, records: 0, retries: 0, bisections: 0, sentToOnFailure: 0, getRecordsCalls: 0 };
  private running = false;
  private loops: Promise<void>[] = [];
  /** Per shard: when the last read that found the shard empty (and caught up) started. */
  private readonly emptyReadStartedAt = new Map<string, number>();

  constructor(private readonly opts: PollerOptions) {}

  async start(): Promise<void> {
    const shards = await this.opts.kinesis.send(new ListShardsCommand({ StreamName: this.opts.streamName }));
    this.running = true;
    for (const shard of shards.Shards ?? []) {
      const shardId = shard.ShardId as string;
      this.emptyReadStartedAt.set(shardId, -1);
      this.loops.push(this.pollShard(shardId));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * Resolves once every record put before this call has been delivered: each
   * shard has since started a read that found nothing left.
   */
  async drain(timeoutMs = 60_000): Promise<void> {
    const since = performance.now();
    const deadline = since + timeoutMs;
    while ([...this.emptyReadStartedAt.values()].some((t) => t < since)) {
      if (performance.now() > deadline) throw new Error(`stream not drained within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private async pollShard(shardId: string): Promise<void> {
    const { kinesis, streamName, checkpoints } = this.opts;
    const after = await checkpoints?.read(shardId);
    const it = await kinesis.send(
      new GetShardIteratorCommand(
        after === undefined
          ? { StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }
          : { StreamName: streamName, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after },
      ),
    );
    let iterator = it.ShardIterator;
    while (this.running && iterator !== undefined) {
      const startedAt = performance.now();
      let out;
      try {
        this.stats.getRecordsCalls++;
        out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.opts.batchSize }));
      } catch (err) {
        this.opts.onError?.(err as Error);
        await new Promise((r) => setTimeout(r, this.opts.pollIntervalMs));
        continue;
      }
      iterator = out.NextShardIterator;
      const records = out.Records ?? [];
      if (records.length > 0) {
        await this.deliver(shardId, records);
        await checkpoints?.write(shardId, records[records.length - 1]?.SequenceNumber as string);
      } else if ((out.MillisBehindLatest ?? 0) === 0) {
        this.emptyReadStartedAt.set(shardId, startedAt);
        await new Promise((r) => setTimeout(r, this.opts.pollIntervalMs));
      }
    }
  }

  private toEvent(shardId: string, records: readonly _Record[]): KinesisStreamEvent {
    const region = this.opts.region ?? 'local';
    return {
      Records: records.map(
        (r): KinesisStreamRecord => ({
          eventID: `${shardId}:${r.SequenceNumber}`,
          eventName: 'aws:kinesis:record',
          eventSource: 'aws:kinesis',
          eventSourceARN: this.opts.streamArn,
          eventVersion: '1.0',
          invokeIdentityArn: 'local',
          awsRegion: region,
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.PartitionKey as string,
            sequenceNumber: r.SequenceNumber as string,
            data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
            approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
          },
        }),
      ),
    };
  }

  private async deliver(shardId: string, all: readonly _Record[]): Promise<void> {
    const now = (this.opts.clock ?? Date.now)();
    const maxAgeMs = this.opts.maxRecordAgeSeconds * 1000;
    const expired = all.filter((r) => now - (r.ApproximateArrivalTimestamp?.getTime() ?? now) > maxAgeMs);
    if (expired.length > 0) await this.sendToOnFailure(shardId, expired, `older than maxRecordAge (${this.opts.maxRecordAgeSeconds} s)`);
    const fresh = all.filter((r) => !expired.includes(r));
    if (fresh.length > 0) await this.deliverBatch(shardId, fresh);
  }

  private async deliverBatch(shardId: string, batch: readonly _Record[]): Promise<void> {
    let records = batch;
    let lastReason = '';
    for (let attempt = 0; attempt <= this.opts.maxRetryAttempts; attempt++) {
      if (attempt > 0) this.stats.retries++;
      this.stats.batches++;
      this.stats.records += records.length;
      let response: KinesisStreamBatchResponse | void;
      try {
        response = await this.opts.handler(this.toEvent(shardId, records));
      } catch (err) {
        lastReason = `handler error: ${(err as Error).message}`;
        if (this.opts.bisectBatchOnError && records.length > 1) {
          this.stats.bisections++;
          const half = Math.ceil(records.length / 2);
          await this.deliverBatch(shardId, records.slice(0, half));
          await this.deliverBatch(shardId, records.slice(half));
          return;
        }
        continue;
      }
      const failures = response?.batchItemFailures ?? [];
      if (failures.length === 0) return;
      const failed = new Set(failures.map((f) => f.itemIdentifier));
      const from = records.findIndex((r) => failed.has(r.SequenceNumber as string));
      if (from < 0) {
        lastReason = `batchItemFailures named no record of the batch: ${[...failed].join(', ')}`;
        continue;
      }
      lastReason = `batch item failures from sequence number ${records[from]?.SequenceNumber}`;
      records = records.slice(from);
    }
    await this.sendToOnFailure(shardId, records, `retries exhausted (${this.opts.maxRetryAttempts}): ${lastReason}`);
  }

  private async sendToOnFailure(shardId: string, records: readonly _Record[], reason: string): Promise<void> {
    this.stats.sentToOnFailure += records.length;
    await this.opts.onFailure({
      reason,
      shardId,
      startSequenceNumber: records[0]?.SequenceNumber as string,
      endSequenceNumber: records[records.length - 1]?.SequenceNumber as string,
      batchSize: records.length,
      records: records.map((r) => ({
        sequenceNumber: r.SequenceNumber as string,
        partitionKey: r.PartitionKey as string,
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
      })),
    });
  }
}
