/**
 * The HTTP collector's own work, in-process: the real handler (routing, write
 * key, decoding, limits, ingest normalisation with user-agent parsing,
 * PutRecords entries) over API Gateway HTTP API events, with a Kinesis client
 * that accepts every record, so the figures measure the collector and
 * not a stream server.
 */
import { gzipSync } from 'node:zlib';
import type { KinesisClient, PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { C360Config } from '../lambda/config';
import { kinesisEventSink } from '../lambda/collection/adapters/kinesis-sink';
import { ConfigWriteKeys } from '../lambda/collection/adapters/write-keys';
import { createCollector } from '../lambda/collection/handlers/collector';
import { generateDemo, type DemoEvent } from '../lambda/local/demo';
import { ingestOptionsOf } from '../lambda/collection/usecases/collect';
import type { Figure } from './figures';
import { httpApiEvent } from '../lambda/local/http-api-event';

const WRITE_KEY = 'bench-write-key';
const BATCH_SIZE = 100;
const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A Kinesis client that accepts every record of every PutRecords call. */
function acceptingKinesis(): KinesisClient {
  const send = async (command: PutRecordsCommand): Promise<PutRecordsCommandOutput> => ({
    $metadata: {},
    FailedRecordCount: 0,
    Records: (command.input.Records ?? []).map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })),
  });
  return { send } as unknown as KinesisClient;
}

/** The demo events as a Segment SDK in a browser would send them. */
function sdkEvents(people: number, seed: number): Record<string, unknown>[] {
  const sentAt = new Date().toISOString();
  return generateDemo({ people, seed }).events.map((e: DemoEvent) => ({
    ...e,
    sentAt,
    context: { ...(e.context as Record<string, unknown>), userAgent: USER_AGENT, library: { name: 'analytics.js', version: 'next-1.70.0' } },
  }));
}

function httpEvent(path: string, body: Buffer, gzip: boolean): APIGatewayProxyEventV2 {
  return httpApiEvent({
    method: 'POST',
    path,
    headers: {
      authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body,
    sourceIp: '198.51.100.23',
  });
}

/** Single-event requests: each track event to /v1/track. */
function trackRequests(events: readonly Record<string, unknown>[]): APIGatewayProxyEventV2[] {
  return events.filter((e) => e.type === 'track').map((e) => httpEvent('/v1/track', Buffer.from(JSON.stringify(e)), false));
}

/** Batch requests of BATCH_SIZE events to /v1/batch. */
function batchRequests(events: readonly Record<string, unknown>[], gzip: boolean): APIGatewayProxyEventV2[] {
  const out: APIGatewayProxyEventV2[] = [];
  for (let i = 0; i + BATCH_SIZE <= events.length; i += BATCH_SIZE) {
    const json = Buffer.from(JSON.stringify({ batch: events.slice(i, i + BATCH_SIZE), sentAt: new Date().toISOString() }));
    out.push(httpEvent('/v1/batch', gzip ? gzipSync(json) : json, gzip));
  }
  return out;
}

async function run(config: C360Config, requests: readonly APIGatewayProxyEventV2[]) {
  let accepted = 0;
  let refused = 0;
  const collect = createCollector({
    writeKeys: new ConfigWriteKeys({ bench: { localWriteKeys: [WRITE_KEY] } }),
    events: kinesisEventSink(acceptingKinesis(), 'bench'),
    ingest: ingestOptionsOf(config),
    corsAllowedOrigins: config.collection.corsAllowedOrigins,
    observe: (o) => {
      accepted += o.outcome?.written ?? 0;
      if (o.statusCode !== 200) refused++;
    },
  });
  const cpu0 = process.cpuUsage();
  for (const request of requests) await collect(request);
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (refused > 0) throw new Error(`bench collector: ${refused} requests were refused`);
  return { accepted, cpuSeconds };
}

export async function benchCollector(config: C360Config): Promise<Figure[]> {
  const warm = sdkEvents(100, 98);
  const events = sdkEvents(400, 2);
  const meanBytes = Math.round(events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0) / events.length);
  const base = `demo retail events as a browser SDK sends them (UA parsed, IP truncated; mean ${meanBytes} bytes), in-process handler, a Kinesis client that accepts every record`;
  const figures: Figure[] = [];
  const cases: Array<{ name: string; workload: string; build: (e: readonly Record<string, unknown>[]) => APIGatewayProxyEventV2[] }> = [
    {
      name: 'single-event requests (/v1/track)',
      workload: `${trackRequests(events).length} requests of 1 track event; ${base}`,
      build: trackRequests,
    },
    {
      name: `batch requests (/v1/batch of ${BATCH_SIZE})`,
      workload: `${Math.floor(events.length / BATCH_SIZE)} requests of ${BATCH_SIZE} events; ${base}`,
      build: (e) => batchRequests(e, false),
    },
    {
      name: `gzip batch requests (/v1/batch of ${BATCH_SIZE})`,
      workload: `${Math.floor(events.length / BATCH_SIZE)} gzip-encoded requests of ${BATCH_SIZE} events; ${base}`,
      build: (e) => batchRequests(e, true),
    },
  ];
  for (const c of cases) {
    await run(config, c.build(warm)); // JIT warm-up on another dataset
    const { accepted, cpuSeconds } = await run(config, c.build(events));
    figures.push({ section: 'collector', name: `${c.name}: accepted events/s per core`, value: accepted / cpuSeconds, unit: 'events/s', workload: c.workload });
  }
  return figures;
}
