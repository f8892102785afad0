import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import kinesalite from 'kinesalite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kinesisClient } from '../../lambda/shared/clients';
import { aggregate } from '../../lambda/shared/kpl';
import { LocalPoller, type OnFailureEntry } from '../../lambda/local/poller';
import { lakePartition, partitionSources, splitJsonObjects } from '../../lambda/collection/contracts/lake-layout';
import { createLakeWriter, type FirehoseErrorRecord, type LakeWriteOutcome } from '../../lambda/local/lake-writer';

const SHARD = 'shardId-000000000001';
const ARRIVAL = Date.UTC(2026, 10, 5, 12, 0, 0);
const SOURCES = ['web', 'crm'];

interface In {
  readonly data: Buffer | string | object;
  readonly arrivalMs?: number;
}

function event(records: readonly In[], firstSeq = 100): KinesisStreamEvent {
  return {
    Records: records.map((r, i) => {
      const data = Buffer.isBuffer(r.data) ? r.data : Buffer.from(typeof r.data === 'string' ? r.data : JSON.stringify(r.data));
      const sequenceNumber = String(firstSeq + i).padStart(24, '0');
      return {
        eventID: `${SHARD}:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        eventSource: 'aws:kinesis',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/c360-events',
        eventVersion: '1.0',
        invokeIdentityArn: 'local',
        awsRegion: 'us-east-1',
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: `pk-${i}`,
          sequenceNumber,
          data: data.toString('base64'),
          approximateArrivalTimestamp: (r.arrivalMs ?? ARRIVAL) / 1000,
        },
      };
    }),
  };
}

const web = (messageId: string, timestamp = '2026-11-01T10:00:00.000Z') => ({
  type: 'track',
  messageId,
  timestamp,
  receivedAt: '2026-11-05T12:00:00.000Z',
  anonymousId: 'a-1',
  event: 'Product Viewed',
  properties: { sku: 'S-1' },
  context: { source: 'web', traits: { email: 'ana@example.com' } },
});

/** Every file under the lake, relative path -> its lines (gunzipped), sorted by path. */
async function lakeFiles(lakeDir: string): Promise<Record<string, string[]>> {
  const names = (await readdir(lakeDir, { recursive: true })).filter((n) => n.endsWith('.gz') || n.endsWith('.tmp') || n.endsWith('.jsonl'));
  const out: Record<string, string[]> = {};
  for (const name of names.sort()) {
    const text = gunzipSync(await readFile(join(lakeDir, name))).toString('utf8');
    expect(text.endsWith('\n'), name).toBe(true);
    out[name.split('\\').join('/')] = text.split('\n').slice(0, -1);
  }
  return out;
}

describe('lakePartition (the rule the Firehose jq query mirrors)', () => {
  const sources = new Set(partitionSources(SOURCES));

  it('files an event by the day of its timestamp and its context.source', () => {
    expect(lakePartition(web('m1'), sources)).toEqual({ ok: true, dt: '2026-11-01', source: 'web' });
  });

  it('falls back to receivedAt when timestamp is missing or not a date, and keeps the day as written', () => {
    expect(lakePartition({ receivedAt: '2026-11-05T00:00:00Z' }, sources)).toEqual({ ok: true, dt: '2026-11-05', source: 'kinesis' });
    expect(lakePartition({ timestamp: 1767225600, receivedAt: '2026-11-05' }, sources)).toMatchObject({ dt: '2026-11-05' });
    expect(lakePartition({ timestamp: 'yesterday', receivedAt: '2026-11-05' }, sources)).toMatchObject({ dt: '2026-11-05' });
    expect(lakePartition({ timestamp: '2026-11-01T01:00:00+09:00' }, sources)).toMatchObject({ dt: '2026-11-01' });
  });

  it('files an unknown or malformed source under kinesis', () => {
    expect(lakePartition({ timestamp: '2026-11-01', context: { source: 'pos' } }, sources)).toMatchObject({ source: 'kinesis' });
    expect(lakePartition({ timestamp: '2026-11-01', context: { source: '../../etc' } }, sources)).toMatchObject({ source: 'kinesis' });
    expect(lakePartition({ timestamp: '2026-11-01', context: 'web' }, sources)).toMatchObject({ source: 'kinesis' });
    expect(lakePartition({ timestamp: '2026-11-01', context: { source: 'crm' } }, sources)).toMatchObject({ source: 'crm' });
  });

  it('cannot file what is not an object or has no usable date', () => {
    for (const bad of [null, 42, 'text', [web('m1')], {}, { timestamp: '2026-13-01' }, { timestamp: '26-11-01', receivedAt: null }]) {
      expect(lakePartition(bad, sources), JSON.stringify(bad)).toMatchObject({ ok: false, reason: expect.any(String) });
    }
  });
});

describe('splitJsonObjects (Firehose JSON record de-aggregation)', () => {
  it('splits objects written back to back or one per line, minding braces inside strings', () => {
    expect(splitJsonObjects('{"a":1}{"b":"}{"}\n{"c":[{"d":2}]}\n')).toEqual(['{"a":1}', '{"b":"}{"}', '{"c":[{"d":2}]}']);
    expect(splitJsonObjects('{"e":"\\"}"}')).toEqual(['{"e":"\\"}"}']);
  });

  it('gives up on anything else', () => {
    for (const text of ['', '   ', '[{"a":1}]', '{"a":1} x', '{"a":1', '"s"']) expect(splitJsonObjects(text), text).toBeUndefined();
  });
});

describe('createLakeWriter (the local Firehose)', () => {
  let lakeDir: string;
  let outcomes: LakeWriteOutcome[];
  let writer: ReturnType<typeof createLakeWriter>;
  beforeEach(async () => {
    lakeDir = await mkdtemp(join(tmpdir(), 'c360-lake-'));
    outcomes = [];
    writer = createLakeWriter({ lakeDir, sources: SOURCES, observe: (o) => outcomes.push(o), clock: () => ARRIVAL + 1000 });
  });
  afterEach(async () => {
    await rm(lakeDir, { recursive: true, force: true });
  });

  const kpl = (payloads: ReadonlyArray<string | object>) =>
    aggregate(payloads.map((p, i) => ({ partitionKey: `k${i}`, data: Buffer.from(typeof p === 'string' ? p : JSON.stringify(p)) })));
  const corruptKpl = () => {
    const packed = kpl([web('c1')]);
    packed[8] = (packed[8] ?? 0) ^ 0xff;
    return packed;
  };

  /** Plain and KPL records, good and bad. */
  const mixedBatch = () =>
    event([
      { data: web('p1') },
      { data: { ...web('p2', '2026-11-02T08:00:00Z'), context: { source: 'crm' } } },
      { data: { type: 'identify', userId: 'u-9', receivedAt: '2026-11-03T00:00:00Z' } },
      { data: 'not json at all', arrivalMs: Date.UTC(2026, 10, 4, 23, 0, 0) },
      { data: kpl([web('k1'), { ...web('k2'), context: { source: 'crm' } }, 'oops', { type: 'track', userId: 'u' }]) },
      { data: `${JSON.stringify(web('j1'))}\n${JSON.stringify(web('j2', '2026-11-02T00:00:00Z'))}` },
      { data: corruptKpl() },
      { data: [1, 2, 3] },
      { data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
    ]);

  it('writes each event as one gzip JSON line under raw/source=<source>/dt=<day>/, one file per batch and partition', async () => {
    const response = await writer(mixedBatch());
    expect(response).toEqual({ batchItemFailures: [] });
    const files = await lakeFiles(lakeDir);
    const batch = `${SHARD}-${'100'.padStart(24, '0')}`;
    expect(Object.keys(files)).toEqual([
      `quarantine/source=firehose/dt=2026-11-04/processing-failed-${batch}.jsonl.gz`,
      `raw/source=crm/dt=2026-11-01/${batch}.jsonl.gz`,
      `raw/source=crm/dt=2026-11-02/${batch}.jsonl.gz`,
      `raw/source=kinesis/dt=2026-11-03/${batch}.jsonl.gz`,
      `raw/source=web/dt=2026-11-01/${batch}.jsonl.gz`,
      `raw/source=web/dt=2026-11-02/${batch}.jsonl.gz`,
    ]);
    const ids = (path: string) =>
      (files[path] ?? []).map((line) => {
        const e = JSON.parse(line) as { messageId?: string; userId?: string };
        return e.messageId ?? e.userId;
      });
    expect(ids(`raw/source=web/dt=2026-11-01/${batch}.jsonl.gz`)).toEqual(['p1', 'k1', 'j1']);
    expect(ids(`raw/source=web/dt=2026-11-02/${batch}.jsonl.gz`)).toEqual(['j2']);
    expect(ids(`raw/source=crm/dt=2026-11-01/${batch}.jsonl.gz`)).toEqual(['k2']);
    expect(ids(`raw/source=crm/dt=2026-11-02/${batch}.jsonl.gz`)).toEqual(['p2']);
    expect(ids(`raw/source=kinesis/dt=2026-11-03/${batch}.jsonl.gz`)).toEqual(['u-9']);
    // The event is kept whole, on one line.
    expect(JSON.parse(files[`raw/source=web/dt=2026-11-01/${batch}.jsonl.gz`]?.[0] ?? '')).toEqual(web('p1'));
  });

  it('quarantines what it cannot file with the reason, Firehose-style, and drops nothing', async () => {
    await writer(mixedBatch());
    const files = await lakeFiles(lakeDir);
    const [errorFile] = Object.keys(files).filter((f) => f.startsWith('quarantine/'));
    const errors = (files[errorFile ?? ''] ?? []).map((l) => JSON.parse(l) as FirehoseErrorRecord);
    const summary = errors.map((e) => [Number(e.sequenceNumber), e.subSequenceNumber ?? null, e.errorMessage]);
    expect(summary).toEqual([
      [103, null, expect.stringMatching(/^the record is not JSON/)],
      [104, 2, expect.stringMatching(/^the record is not JSON/)],
      [104, 3, expect.stringMatching(/^no usable date/)],
      [106, null, expect.stringMatching(/checksum/)],
      [107, null, expect.stringMatching(/^a record must be a JSON object, got an array/)],
      [108, null, 'the record is not valid UTF-8 text'],
    ]);
    for (const e of errors) {
      expect(e).toMatchObject({ attemptsMade: 1, errorCode: 'DynamicPartitioning.MetadataExtractionFailed', attemptEndingTimestamp: ARRIVAL + 1000 });
    }
    // rawData is the (sub-)record as it came.
    expect(Buffer.from(errors[0]?.rawData ?? '', 'base64').toString()).toBe('not json at all');
    expect(Buffer.from(errors[1]?.rawData ?? '', 'base64').toString()).toBe('oops');
    expect(Buffer.from(errors[5]?.rawData ?? '', 'base64')).toEqual(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    // The quarantine day is the arrival day of the oldest failed record.
    expect(errorFile).toContain('/dt=2026-11-04/');
    expect(errors[0]?.arrivalTimestamp).toBe(Date.UTC(2026, 10, 4, 23, 0, 0));

    // Counts add up: 9 records; 12 payloads (4 KPL sub-records); 13 objects (a JSON-lines record holds 2).
    const [outcome] = outcomes;
    expect(outcome).toMatchObject({ records: 9, payloads: 12, objects: 13, written: 7, failed: 6 });
    expect((outcome?.written ?? 0) + (outcome?.failed ?? 0)).toBe(outcome?.objects);
    const rawLines = Object.entries(files)
      .filter(([f]) => f.startsWith('raw/'))
      .reduce((n, [, lines]) => n + lines.length, 0);
    expect(rawLines).toBe(outcome?.written);
    expect(errors).toHaveLength(outcome?.failed ?? -1);
    expect([...(outcome?.files ?? [])].sort()).toEqual(Object.keys(files));
  });

  it('overwrites its own files when a batch is delivered again, and starts new ones for the next batch', async () => {
    await writer(mixedBatch());
    const first = await lakeFiles(lakeDir);
    await writer(mixedBatch());
    expect(await lakeFiles(lakeDir)).toEqual(first);

    await writer(event([{ data: web('n1') }], 200));
    const after = await lakeFiles(lakeDir);
    expect(Object.keys(after)).toHaveLength(Object.keys(first).length + 1);
    expect(after[`raw/source=web/dt=2026-11-01/${SHARD}-${'200'.padStart(24, '0')}.jsonl.gz`]).toHaveLength(1);
  });

  it('writes nothing for an empty batch or a batch with nothing to quarantine', async () => {
    expect(await writer({ Records: [] })).toEqual({ batchItemFailures: [] });
    expect(await readdir(lakeDir)).toEqual([]);
    await writer(event([{ data: web('only') }]));
    expect(Object.keys(await lakeFiles(lakeDir)).filter((f) => f.startsWith('quarantine/'))).toEqual([]);
  });

  it("leaves out an erased person's events and counts them, filing everyone else's", async () => {
    const asked: string[][] = [];
    const suppressing = createLakeWriter({
      lakeDir,
      sources: SOURCES,
      observe: (o) => outcomes.push(o),
      suppression: {
        identifiers: { identifierTypes: ['userId', 'email', 'anonymousId'], defaultPhoneRegion: 'US' },
        check: {
          suppressed: async (sets) => {
            asked.push(...sets.map((ids) => ids.map((id) => `${id.type}:${id.value}`)));
            return sets.map((ids) => ids.some((id) => id.type === 'email' && id.value === 'ana@example.com'));
          },
        },
      },
    });
    await suppressing(event([{ data: web('ana-1') }, { data: { ...web('bo-1'), anonymousId: 'a-2', context: { source: 'web' } } }]));
    const lines = Object.values(await lakeFiles(lakeDir)).flat();
    expect(lines.map((l) => (JSON.parse(l) as { messageId: string }).messageId)).toEqual(['bo-1']);
    expect(outcomes.at(-1)).toMatchObject({ objects: 2, written: 1, failed: 0, suppressed: 1 });
    expect(asked[0]).toEqual(expect.arrayContaining(['email:ana@example.com', 'anonymousId:a-1']));
  });
});

describe('the lake writer behind a local poller (as the local runtime runs it)', () => {
  it('lands plain and KPL records put on a kinesalite stream, shard by shard, and quarantines the bad ones', async () => {
    const lakeDir = await mkdtemp(join(tmpdir(), 'c360-lake-e2e-'));
    const server: Server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    const kinesis = kinesisClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}` });
    const outcomes: LakeWriteOutcome[] = [];
    const onFailure: OnFailureEntry[] = [];
    let poller: LocalPoller | undefined;
    try {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 2 }));
      const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'events' }));
      poller = new LocalPoller({
        kinesis,
        streamName: 'events',
        streamArn: summary.StreamDescriptionSummary?.StreamARN as string,
        handler: createLakeWriter({ lakeDir, sources: SOURCES, observe: (o) => outcomes.push(o) }),
        onFailure: async (entry) => {
          onFailure.push(entry);
        },
        batchSize: 1000,
        maxRetryAttempts: 3,
        maxRecordAgeSeconds: 86_400,
        bisectBatchOnError: true,
        pollIntervalMs: 20,
        region: 'us-east-1',
      });
      await poller.start();
      const events = Array.from({ length: 40 }, (_, i) => ({
        ...web(`e${i}`, `2026-11-0${1 + (i % 3)}T10:00:00Z`),
        anonymousId: `a-${i}`,
        context: { source: i % 2 === 0 ? 'web' : 'crm' },
      }));
      const packed = aggregate(events.slice(30).map((e) => ({ partitionKey: e.anonymousId, data: Buffer.from(JSON.stringify(e)) })));
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: 'events',
          Records: [
            ...events.slice(0, 30).map((e) => ({ PartitionKey: e.anonymousId, Data: Buffer.from(JSON.stringify(e)) })),
            { PartitionKey: 'kpl', Data: packed },
            { PartitionKey: 'bad-1', Data: Buffer.from('{"type":"track"') },
            { PartitionKey: 'bad-2', Data: Buffer.from(JSON.stringify({ type: 'track', userId: 'no-date' })) },
          ],
        }),
      );
      await poller.drain();

      const files = await lakeFiles(lakeDir);
      const rawIds = Object.entries(files)
        .filter(([f]) => f.startsWith('raw/'))
        .flatMap(([f, lines]) =>
          lines.map((l) => {
            const e = JSON.parse(l) as { messageId: string; timestamp: string; context: { source: string } };
            // Each line is in the partition its own fields name.
            expect(f).toContain(`raw/source=${e.context.source}/dt=${e.timestamp.slice(0, 10)}/shardId-`);
            return e.messageId;
          }),
        );
      expect(rawIds.sort()).toEqual(events.map((e) => e.messageId).sort());
      const errors = Object.entries(files)
        .filter(([f]) => f.startsWith('quarantine/source=firehose/'))
        .flatMap(([, lines]) => lines.map((l) => JSON.parse(l) as FirehoseErrorRecord));
      expect(errors.map((e) => Buffer.from(e.rawData, 'base64').toString()).sort()).toEqual(['{"type":"track"', '{"type":"track","userId":"no-date"}']);
      const total = outcomes.reduce((t, o) => ({ records: t.records + o.records, written: t.written + o.written, failed: t.failed + o.failed }), {
        records: 0,
        written: 0,
        failed: 0,
      });
      expect(total).toEqual({ records: 33, written: 40, failed: 2 });
      expect(onFailure).toEqual([]);
    } finally {
      await poller?.stop();
      kinesis.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(lakeDir, { recursive: true, force: true });
    }
  });
});
