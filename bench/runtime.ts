/**
 * Figures measured through the local runtime: end-to-end throughput, DynamoDB
 * and Kinesis usage per event, freshness (put → visible in the profile API)
 * and profile lookup latency under concurrent load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { C360Config } from '../lambda/config';
import { parseConfig } from '../lambda/config';
import type { Profile } from '../lambda/unification/core/profile/profile';
import { generateDemo } from '../lambda/local/demo';
import { startLocalRuntime } from '../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../lambda/local/send';
import { atMost, percentile, type Figure } from './figures';

export interface RuntimeMeasurement {
  readonly figures: Figure[];
  readonly writeUnitsPerEvent: number;
  readonly readUnitsPerEvent: number;
}

export async function benchRuntime(base: C360Config, people: number): Promise<RuntimeMeasurement> {
  const dataDir = await mkdtemp(join(tmpdir(), 'c360-bench-'));
  const config = parseConfig({ ...base, local: { ...base.local, dataDir, apiPort: 0 } });
  const runtime = await startLocalRuntime(config, { apiPort: 0, dataDir });
  const figures: Figure[] = [];
  try {
    const demo = generateDemo({ people, seed: 2 });
    const payloads = demo.events.map((e) => payloadOf(JSON.stringify(e)));
    const workload = `demo retail dataset, ${people} people, ${payloads.length} events, local runtime (dynalite, kinesalite), ${config.unification.consumer.batchSize}-record batches`;

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const sent = await sendPayloads(runtime.kinesis, runtime.streamName, payloads);
    await runtime.poller?.drain(600_000);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const events = runtime.totals.applied;
    const usage = { ...runtime.store.usage };
    const batches = runtime.totals.batches;
    const getRecords = runtime.poller?.stats.getRecordsCalls ?? 0;
    figures.push(
      { section: 'end-to-end', name: 'throughput, wall clock', value: events / wall, unit: 'events/s', workload },
      { section: 'end-to-end', name: 'throughput per core (runtime process, servers included)', value: events / ((cpu.user + cpu.system) / 1e6), unit: 'events/s/core', workload },
      { section: 'cost', name: 'DynamoDB write units per event', value: usage.writeUnits / events, unit: 'WCU/event', workload, ...atMost(usage.writeUnits / events, 1) },
      { section: 'cost', name: 'DynamoDB write units per event, of which the event journal', value: usage.journalWriteUnits / events, unit: 'WCU/event', workload },
      // Each identifier is claimed once in its life: a short history (the demo's dozen events a person) pays it on few events.
      { section: 'cost', name: 'DynamoDB write units per event, of which identifier claims', value: usage.claimWriteUnits / events, unit: 'WCU/event', workload },
      { section: 'cost', name: 'DynamoDB read units per event', value: usage.readUnits / events, unit: 'RCU/event', workload },
      { section: 'cost', name: 'DynamoDB API calls per event', value: usage.calls / events, unit: 'calls/event', workload },
      { section: 'cost', name: 'DynamoDB API calls per batch', value: usage.calls / batches, unit: 'calls/batch', workload },
      { section: 'cost', name: 'sequential DynamoDB round trips per batch, max', value: runtime.totals.maxStoreRoundTrips, unit: 'round trips', workload, ...atMost(runtime.totals.maxStoreRoundTrips, 8) },
      { section: 'cost', name: 'sequential DynamoDB round trips per batch, mean', value: runtime.totals.storeRoundTrips / batches, unit: 'round trips', workload },
      { section: 'cost', name: 'Kinesis PutRecords calls per event', value: sent.calls / payloads.length, unit: 'calls/event', workload },
      { section: 'cost', name: 'Kinesis GetRecords calls per batch', value: getRecords / batches, unit: 'calls/batch', workload: `${workload}; includes empty polls while caught up` },
    );

    // Freshness: one event at a time, put → visible through the profile API.
    const freshness: number[] = [];
    for (let i = 0; i < 100; i++) {
      const userId = `fresh-${i}-${Date.now()}`;
      const event = { type: 'identify', messageId: `fresh-${userId}`, userId, timestamp: new Date().toISOString(), traits: { probe: i } };
      const t = performance.now();
      await sendPayloads(runtime.kinesis, runtime.streamName, [payloadOf(JSON.stringify(event))]);
      for (;;) {
        const res = await fetch(`${runtime.apiUrl}/profiles?userId=${encodeURIComponent(userId)}`);
        await res.arrayBuffer();
        if (res.status === 200) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      freshness.push(performance.now() - t);
    }
    freshness.sort((a, b) => a - b);
    const freshWorkload = `one identify at a time, polled through the profile API; local poll interval ${config.local.pollIntervalMs} ms`;
    figures.push(
      { section: 'freshness', name: 'put → visible, p50', value: percentile(freshness, 50), unit: 'ms', workload: freshWorkload },
      { section: 'freshness', name: 'put → visible, p99', value: percentile(freshness, 99), unit: 'ms', workload: freshWorkload, ...atMost(percentile(freshness, 99), 2000) },
    );

    // Lookups under concurrent load, by id and by each identifier.
    const live = demo.people.slice(0, 200);
    const byUser = await Promise.all(
      live.map(async (p) => (await (await fetch(`${runtime.apiUrl}/profiles?userId=${p.userId}`)).json()) as Partial<Profile>),
    );
    const kinds: Record<string, string[]> = {
      id: byUser.flatMap((p) => (p.profileId ? [`/profiles/${p.profileId}`] : [])),
      email: live.map((p) => `/profiles?email=${encodeURIComponent(p.email)}`),
      phone: live.map((p) => `/profiles?phone=${encodeURIComponent(p.phone)}`),
      userId: live.map((p) => `/profiles?userId=${p.userId}`),
      anonymousId: byUser.flatMap((p) => (p.identifiers?.anonymousId?.[0] ? [`/profiles?anonymousId=${encodeURIComponent(p.identifiers.anonymousId[0])}`] : [])),
    };
    const concurrency = 16;
    for (const [kind, paths] of Object.entries(kinds)) {
      const requests = Array.from({ length: 1000 }, (_, i) => paths[i % paths.length] as string);
      const latencies: number[] = [];
      let found = 0;
      const calls0 = runtime.store.usage.calls;
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < requests.length) {
            const path = requests[next++] as string;
            const t = performance.now();
            const res = await fetch(runtime.apiUrl + path);
            await res.arrayBuffer();
            latencies.push(performance.now() - t);
            if (res.status === 200) found++;
          }
        }),
      );
      latencies.sort((a, b) => a - b);
      const trips = (runtime.store.usage.calls - calls0) / requests.length;
      const w = `${requests.length} lookups by ${kind}, ${concurrency} concurrent clients, ${found} found, local runtime`;
      figures.push(
        { section: 'lookup', name: `by ${kind}, p50`, value: percentile(latencies, 50), unit: 'ms', workload: w },
        { section: 'lookup', name: `by ${kind}, p99`, value: percentile(latencies, 99), unit: 'ms', workload: w },
        { section: 'lookup', name: `by ${kind}, DynamoDB round trips`, value: trips, unit: 'round trips/lookup', workload: w, ...atMost(trips, 2) },
      );
    }
    return { figures, writeUnitsPerEvent: usage.writeUnits / events, readUnitsPerEvent: usage.readUnits / events };
  } finally {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
