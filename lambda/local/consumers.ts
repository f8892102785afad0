/**
 * The stream's consumers, each on a local poller that plays its event source
 * mapping: the unify consumer (its batches counted into the runtime's totals)
 * and the lake writer, the local Firehose.
 */
import type { IngestSuppression } from '../governance/ports';
import { appendFile } from 'node:fs/promises';
import type { C360Config } from '../config';
import { createUnifyConsumer } from '../unification/handlers/unify-consumer';
import type { ProfileStore, QuarantineSink } from '../unification/ports';
import type { SuppressionCheck } from '../governance/ports';
import { addOutcome, type BatchOutcome, type OutcomeCounts, type UnifySettings } from '../unification/usecases/unify-batch';
import type { DataDir } from './data-dir';
import { createLakeWriter } from './lake-writer';
import { LocalPoller, type ConsumerHandler, type OnFailureEntry, type PollerOptions, type ShardCheckpoints } from './poller';
import { LOCAL_REGION, type LocalServices } from './servers';

/** The consumer's running counts (suppressed: events of erased people it dropped) and its store round trips. */
export interface RuntimeTotals extends OutcomeCounts {
  /** Sequential store round trips, summed over batches, and the most in one batch. */
  storeRoundTrips: number;
  maxStoreRoundTrips: number;
}

export function emptyTotals(): RuntimeTotals {
  return { batches: 0, records: 0, payloads: 0, applied: 0, duplicates: 0, quarantined: 0, suppressed: 0, merges: 0, storeRoundTrips: 0, maxStoreRoundTrips: 0 };
}

function addBatch(totals: RuntimeTotals, o: BatchOutcome): void {
  addOutcome(totals, o);
  totals.storeRoundTrips += o.storeRoundTrips;
  totals.maxStoreRoundTrips = Math.max(totals.maxStoreRoundTrips, o.storeRoundTrips);
}

export interface UnifyConsumerDeps {
  readonly store: ProfileStore;
  readonly quarantine: QuarantineSink;
  readonly settings: UnifySettings;
  /** Every batch of every consumer built is added here. */
  readonly totals: RuntimeTotals;
  /** Drops erased people's events. */
  readonly suppression?: SuppressionCheck;
}

/** Builds unify consumers over the same store; `observe` is told each batch's outcome too. */
export function unifyConsumers(deps: UnifyConsumerDeps): (observe?: (o: BatchOutcome) => void) => ConsumerHandler {
  return (observe) =>
    createUnifyConsumer({
      store: deps.store,
      quarantine: deps.quarantine,
      settings: deps.settings,
      ...(deps.suppression === undefined ? {} : { suppression: deps.suppression }),
      observe: (o) => {
        addBatch(deps.totals, o);
        observe?.(o);
      },
    });
}

type Stream = Pick<LocalServices, 'kinesis' | 'streamName' | 'streamArn'>;

/** Polls the stream into the unify consumer with the config's batching, retries and record age. */
export function startUnifyPoller(config: C360Config, stream: Stream, handler: ConsumerHandler, onFailureFile: string, checkpoints?: ShardCheckpoints): Promise<LocalPoller> {
  const c = config.unification.consumer;
  return startPoller({
    ...pollerBase(config, stream, checkpoints),
    handler,
    onFailure: appendEntry(onFailureFile),
    batchSize: c.batchSize,
    maxRetryAttempts: c.maxRetryAttempts,
    maxRecordAgeSeconds: c.maxRecordAgeSeconds,
    onError: (err) => console.error(`c360: reading the local stream failed, retrying: ${err.message}`),
  });
}

/** Polls the stream into the lake writer, which keeps records as long as the stream does. */
export function startLakePoller(config: C360Config, stream: Stream, paths: DataDir, suppression?: IngestSuppression, checkpoints?: ShardCheckpoints): Promise<LocalPoller> {
  return startPoller({
    ...pollerBase(config, stream, checkpoints),
    handler: createLakeWriter({ lakeDir: paths.lakeDir, sources: Object.keys(config.collection.sources), ...(suppression === undefined ? {} : { suppression }) }),
    onFailure: appendEntry(paths.lakeOnFailureFile),
    batchSize: 1000,
    maxRetryAttempts: config.unification.consumer.maxRetryAttempts,
    maxRecordAgeSeconds: config.collection.stream.retentionHours * 3600,
    onError: (err) => console.error(`c360: the local lake writer could not read the stream, retrying: ${err.message}`),
  });
}

/** Polls the stream into one of the activation consumers (interactions, event-triggered campaigns), with the unify consumer's retries and record age. */
export function startActivationPoller(
  config: C360Config,
  stream: Stream,
  handler: ConsumerHandler,
  onFailureFile: string,
  name: string,
  checkpoints?: ShardCheckpoints,
): Promise<LocalPoller> {
  const c = config.unification.consumer;
  return startPoller({
    ...pollerBase(config, stream, checkpoints),
    handler,
    onFailure: appendEntry(onFailureFile),
    batchSize: 1000,
    maxRetryAttempts: c.maxRetryAttempts,
    maxRecordAgeSeconds: c.maxRecordAgeSeconds,
    onError: (err) => console.error(`c360: ${name} could not read the local stream, retrying: ${err.message}`),
  });
}

function pollerBase(config: C360Config, stream: Stream, checkpoints?: ShardCheckpoints) {
  return {
    ...(checkpoints === undefined ? {} : { checkpoints }),
    kinesis: stream.kinesis,
    streamName: stream.streamName,
    streamArn: stream.streamArn,
    bisectBatchOnError: true,
    pollIntervalMs: config.local.pollIntervalMs,
    region: LOCAL_REGION,
  };
}

async function startPoller(options: PollerOptions): Promise<LocalPoller> {
  const poller = new LocalPoller(options);
  await poller.start();
  return poller;
}

/** The on-failure destination: one JSON entry per line of `file`. */
const appendEntry = (file: string) => async (entry: OnFailureEntry) => appendFile(file, JSON.stringify(entry) + '\n');
