/**
 * The unify consumer's own work, in-process: the real handler (decode, KPL,
 * validate, normalise, resolve, aggregate, plan writes) over the demo
 * workload, with the in-memory store, so the figure measures c360 and not a
 * database server. Beside it, a hand-written reference consumer
 * (./reference-consumer.ts) runs in the same process on the same records, and
 * c360's throughput is also given as a ratio of the reference's, which drifts
 * far less between machines than the absolute figure.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { C360Config } from '../lambda/config';
import { MemoryProfileStore } from '../lambda/unification/adapters/memory-profile-store';
import { unifySettings } from '../lambda/unification/settings';
import { createUnifyConsumer } from '../lambda/unification/handlers/unify-consumer';
import { generateDemo } from '../lambda/local/demo';
import type { BatchOutcome } from '../lambda/unification/usecases/unify-batch';
import { atLeast, atMost, percentile, type Figure } from './figures';
import { createReferenceConsumer } from './reference-consumer';

export interface ConsumerMeasurement {
  readonly figures: Figure[];
  /** CPU seconds per event, and the workload's batches, for the cost model. */
  readonly cpuSecondsPerEvent: number;
  readonly eventsPerBatch: number;
  readonly meanRoundTripsPerBatch: number;
  readonly meanEventBytes: number;
}

function toEvents(payloads: readonly string[], batchSize: number): KinesisStreamEvent[] {
  const batches: KinesisStreamEvent[] = [];
  const arrival = Date.now() / 1000;
  for (let i = 0; i < payloads.length; i += batchSize) {
    batches.push({
      Records: payloads.slice(i, i + batchSize).map((p, j) => {
        const sequenceNumber = String(i + j).padStart(20, '0');
        return {
          eventID: `shardId-000000000000:${sequenceNumber}`,
          eventName: 'aws:kinesis:record',
          eventSource: 'aws:kinesis',
          eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
          eventVersion: '1.0',
          invokeIdentityArn: 'bench',
          awsRegion: 'us-east-1',
          kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'pk', sequenceNumber, data: Buffer.from(p).toString('base64'), approximateArrivalTimestamp: arrival },
        };
      }),
    });
  }
  return batches;
}

async function run(config: C360Config, batches: readonly KinesisStreamEvent[]) {
  const store = new MemoryProfileStore();
  const outcomes: BatchOutcome[] = [];
  const consume = createUnifyConsumer({
    store,
    quarantine: { put: async () => {} },
    settings: unifySettings(config),
    observe: (o) => outcomes.push(o),
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const batch of batches) await consume(batch);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { store, outcomes, wall, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The reference consumer over the same batches, with its own empty in-memory store. */
async function runReference(batches: readonly KinesisStreamEvent[]) {
  const consume = createReferenceConsumer(new MemoryProfileStore(), new Date().toISOString());
  let events = 0;
  const cpu0 = process.cpuUsage();
  for (const batch of batches) events += await consume(batch);
  const cpu = process.cpuUsage(cpu0);
  return { events, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Target throughput per core, and target share of the reference consumer's throughput. */
const TARGET_PER_CORE = 20_000;
const TARGET_RATIO = 0.5;
/** Measured rounds, each the reference then c360; figures are the medians. */
const ROUNDS = 3;

/**
 * A full garbage collection before each measured pass, so that neither run
 * pays for the other's garbage (without it the ratio of one round ranged over
 * 0.2–0.5 on an idle machine; with it, within a few hundredths).
 */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const median = (xs: readonly number[]) => percentile([...xs].sort((a, b) => a - b), 50);

export async function benchConsumer(config: C360Config, people: number): Promise<ConsumerMeasurement> {
  const batchSize = config.unification.consumer.batchSize;
  // Warm up the JIT on another dataset of the same size, then measure rounds of the reference and c360 in turn.
  const gc = collectGarbage();
  const warmUp = toEvents(generateDemo({ people, seed: 99 }).events.map((e) => JSON.stringify(e)), batchSize);
  await run(config, warmUp);
  await runReference(warmUp);
  const payloads = generateDemo({ people, seed: 1 }).events.map((e) => JSON.stringify(e));
  const batches = toEvents(payloads, batchSize);
  const rounds: Array<{ perCore: number; reference: number; cpuSeconds: number; wall: number; outcomes: BatchOutcome[] }> = [];
  for (let i = 0; i < ROUNDS; i++) {
    gc();
    const ref = await runReference(batches);
    gc();
    const { outcomes, cpuSeconds, wall } = await run(config, batches);
    const applied = outcomes.reduce((n, o) => n + o.applied, 0);
    rounds.push({ perCore: applied / cpuSeconds, reference: ref.events / ref.cpuSeconds, cpuSeconds, wall, outcomes });
  }
  const { outcomes } = rounds[0] as (typeof rounds)[number];
  const events = outcomes.reduce((n, o) => n + o.applied, 0);
  const perCore = median(rounds.map((r) => r.perCore));
  const reference = median(rounds.map((r) => r.reference));
  const ratio = median(rounds.map((r) => r.perCore / r.reference));
  const cpuSeconds = median(rounds.map((r) => r.cpuSeconds));
  const wall = median(rounds.map((r) => r.wall));
  const trips = outcomes.map((o) => o.storeRoundTrips);
  const workload = `demo retail dataset, ${people} people, ${payloads.length} events, batches of ${batchSize}, in-memory store; median of ${ROUNDS} rounds`;
  const referenceWorkload = `${workload}; reference: decode, validate (same schema), upsert one item per userId, no identity resolution`;
  const meanTrips = trips.reduce((a, b) => a + b, 0) / trips.length;
  return {
    cpuSecondsPerEvent: cpuSeconds / events,
    eventsPerBatch: payloads.length / outcomes.length,
    meanRoundTripsPerBatch: meanTrips,
    meanEventBytes: payloads.reduce((n, p) => n + Buffer.byteLength(p), 0) / payloads.length,
    figures: [
      { section: 'consumer', name: 'throughput per core (in-process)', value: perCore, unit: 'events/s/core', workload, ...atLeast(perCore, TARGET_PER_CORE) },
      { section: 'consumer', name: 'reference consumer throughput per core (in-process)', value: reference, unit: 'events/s/core', workload: referenceWorkload },
      { section: 'consumer', name: 'throughput as a share of the reference consumer', value: ratio, unit: 'ratio', workload: `${referenceWorkload}; median of the rounds' ratios`, ...atLeast(ratio, TARGET_RATIO) },
      { section: 'consumer', name: 'throughput, wall clock (in-process)', value: events / wall, unit: 'events/s', workload },
      { section: 'consumer', name: 'sequential store round trips per batch, max', value: Math.max(...trips), unit: 'round trips', workload, ...atMost(Math.max(...trips), 8) },
      { section: 'consumer', name: 'sequential store round trips per batch, mean', value: meanTrips, unit: 'round trips', workload },
    ],
  };
}
