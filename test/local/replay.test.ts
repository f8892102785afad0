import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../lambda/local/demo';
import type { OnFailureEntry } from '../../lambda/local/poller';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../lambda/local/send';
import { KinesisRangeReader } from '../../lambda/unification/adapters/kinesis-range-reader';
import { FileQuarantineSink } from '../../lambda/unification/adapters/quarantine';
import { unifySettings } from '../../lambda/unification/settings';
import { parseOnFailure, parseStreamPosition, replayRange } from '../../lambda/unification/usecases/replay';
import { replayRanges } from '../../bin/commands/replay';
import { allProfiles, testRuntime } from '../support/runtime';

describe('replay against the local stream', () => {
  let runtime: LocalRuntime;
  const demo = generateDemo({ people: 6, seed: 5 });
  const payloads = demo.events.map((e) => payloadOf(JSON.stringify(e)));
  const poison = demo.poison.map(payloadOf);

  beforeAll(async () => {
    runtime = await testRuntime({}, { shards: 1 });
    await sendPayloads(runtime.kinesis, runtime.streamName, [...payloads, ...poison]);
    await runtime.poller?.drain();
  }, 60_000);
  afterAll(async () => runtime?.stop());

  const replay = (range: Parameters<typeof replayRange>[1], extra: Partial<Parameters<typeof replayRange>[2]> = {}) =>
    replayRange(new KinesisRangeReader(runtime.kinesis, runtime.streamName), range, {
      store: runtime.store,
      quarantine: new FileQuarantineSink(runtime.lakeDir),
      settings: unifySettings(runtime.config),
      batchSize: 50,
      ...extra,
    });

  it('re-drives the whole stream from a time and applies nothing twice: every event counts as a duplicate', async () => {
    const before = await allProfiles(runtime);
    const out = await replay({ from: { atMs: Date.now() - 3_600_000 } });
    expect(out.records).toBe(payloads.length + poison.length);
    expect(out.applied).toBe(0);
    expect(out.duplicates).toBe(payloads.length);
    // Broken records are quarantined again, with their reasons: they were never applied.
    expect(out.quarantined).toBe(poison.length);
    expect(out.failedSequenceNumbers).toEqual([]);
    expect(await allProfiles(runtime)).toEqual(before);
  });

  it('replays exactly a sequence number range of one shard, ends included', async () => {
    const [shardId] = await new KinesisRangeReader(runtime.kinesis, runtime.streamName).shardIds();
    const whole = await replay({ from: { atMs: 0 } });
    const first = whole.shards[0]?.firstSequenceNumber as string;
    const all: string[] = [];
    for await (const batch of new KinesisRangeReader(runtime.kinesis, runtime.streamName).read(shardId as string, { sequenceNumber: first }, undefined, 1000)) {
      all.push(...batch.map((r) => r.sequenceNumber));
    }
    const out = await replay({ shardId: shardId as string, from: { sequenceNumber: all[2] as string }, to: { sequenceNumber: all[4] as string } });
    expect(out.records).toBe(3);
    expect(out.shards).toEqual([{ shardId, records: 3, firstSequenceNumber: all[2], lastSequenceNumber: all[4] }]);
    expect(out.applied).toBe(0);
  });

  it('refuses, before applying anything, a range that reaches back past the de-duplication window, unless told the records were never applied', async () => {
    const before = await allProfiles(runtime);
    // Two days on, the records sent above are older than the 24 h window.
    const later = Date.now() + 2 * 86_400_000;
    await expect(replay({ from: { atMs: 0 } }, { clock: () => later })).rejects.toThrow(
      /before the de-duplication window \(unification\.dedupeWindowHours: 24 h\).*Replay from .* or later, or pass --allow-older-than-window/,
    );
    expect(await allProfiles(runtime)).toEqual(before);
    // A range inside the window is not refused.
    const recent = await replay({ from: { atMs: Date.now() - 3_600_000 } });
    expect(recent.records).toBe(payloads.length + poison.length);
    const forced = await replay({ from: { atMs: 0 } }, { clock: () => later, allowOlderThanWindow: true });
    expect(forced.records).toBe(payloads.length + poison.length);
  });

  it('refuses a shard the stream does not have', async () => {
    await expect(replay({ shardId: 'shardId-000000000042', from: { atMs: 0 } })).rejects.toThrow(/no shard shardId-000000000042/);
  });
});

describe('on-failure messages', () => {
  const lambdaRecord = {
    requestContext: { requestId: 'r-1', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:unify', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-01-31T12:00:00.000Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000001',
      startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
      endSequenceNumber: '49601189658422359378836298522902373528957594348623495186',
      approximateArrivalOfFirstRecord: '2026-01-31T11:59:00.000Z',
      approximateArrivalOfLastRecord: '2026-01-31T11:59:30.000Z',
      batchSize: 500,
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/c360-events',
    },
  };
  const expected = {
    shardId: 'shardId-000000000001',
    startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
    endSequenceNumber: '49601189658422359378836298522902373528957594348623495186',
    streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/c360-events',
  };

  it("reads Lambda's on-failure record, bare or as an SQS message", () => {
    expect(parseOnFailure(JSON.stringify(lambdaRecord))).toEqual([expected]);
    expect(parseOnFailure(JSON.stringify({ MessageId: 'm-1', Body: JSON.stringify(lambdaRecord) }))).toEqual([expected]);
    expect(parseOnFailure(JSON.stringify({ Messages: [{ Body: JSON.stringify(lambdaRecord) }, { Body: JSON.stringify(lambdaRecord) }] }))).toHaveLength(2);
  });

  it("reads the local runtime's on-failure file, one entry a line", () => {
    const entry = (start: string, end: string): OnFailureEntry => ({
      reason: 'retries exhausted (2): handler error: boom',
      shardId: 'shardId-000000000000',
      startSequenceNumber: start,
      endSequenceNumber: end,
      batchSize: 2,
      records: [],
    });
    const text = `${JSON.stringify(entry('100', '105'))}\n\n${JSON.stringify(entry('200', '201'))}\n`;
    expect(parseOnFailure(text)).toEqual([
      { shardId: 'shardId-000000000000', startSequenceNumber: '100', endSequenceNumber: '105' },
      { shardId: 'shardId-000000000000', startSequenceNumber: '200', endSequenceNumber: '201' },
    ]);
  });

  it('names what is wrong with a message that is not one', () => {
    expect(() => parseOnFailure('')).toThrow(/empty/);
    expect(() => parseOnFailure('{"a":1}\nnot json')).toThrow(/line 2 .* not JSON/);
    expect(() => parseOnFailure(JSON.stringify({ KinesisBatchInfo: { shardId: 's' } }))).toThrow(/startSequenceNumber, endSequenceNumber missing/);
    expect(() => parseOnFailure(JSON.stringify({ Body: 'oops' }))).toThrow(/body on line 1 is not JSON/);
    expect(() => parseOnFailure(JSON.stringify({ shardId: 's', startSequenceNumber: '1x', endSequenceNumber: '2' }))).toThrow(/digits/);
  });
});

describe('replay arguments', () => {
  it('tells a time from a sequence number', () => {
    expect(parseStreamPosition('2026-01-31T12:00:00Z', '--from')).toEqual({ atMs: Date.parse('2026-01-31T12:00:00Z') });
    expect(parseStreamPosition('49601189658422359378836298521827638475320189012309704722', '--from')).toEqual({
      sequenceNumber: '49601189658422359378836298521827638475320189012309704722',
    });
    expect(() => parseStreamPosition('yesterday', '--from')).toThrow(/--from expects an ISO 8601 time .* got "yesterday"/);
    expect(() => parseStreamPosition('2026-13-45T99:00:00Z', '--to')).toThrow(/--to expects/);
  });

  it('turns an on-failure file into its exact ranges, and refuses mixed or missing flags', async () => {
    const read = async () => JSON.stringify({ shardId: 'shardId-000000000003', startSequenceNumber: '10', endSequenceNumber: '20' });
    expect(await replayRanges({ onFailure: 'f.json' }, read)).toEqual([
      { shardId: 'shardId-000000000003', from: { sequenceNumber: '10' }, to: { sequenceNumber: '20' } },
    ]);
    await expect(replayRanges({ onFailure: 'f.json', from: '1' }, read)).rejects.toThrow(/--on-failure names its own range/);
    await expect(replayRanges({})).rejects.toThrow(/--from <ISO time \| sequence number>, or --on-failure/);
    await expect(replayRanges({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).rejects.toThrow(/--to is before --from/);
    await expect(replayRanges({ from: '20', to: '10', shard: 's' })).rejects.toThrow(/--to is before --from/);
    await expect(replayRanges({ onFailure: '/nonexistent/on-failure.json' })).rejects.toThrow(/cannot read the on-failure message .*ENOENT/);
    expect(await replayRanges({ from: '5', shard: 'shardId-000000000000' })).toEqual([{ from: { sequenceNumber: '5' }, shardId: 'shardId-000000000000' }]);
  });

  it('asks for a shard when a sequence number start meets a stream of several', async () => {
    const reader = { shardIds: async () => ['a', 'b'], read: async function* () {} };
    await expect(replayRange(reader, { from: { sequenceNumber: '1' } }, { batchSize: 1 } as never)).rejects.toThrow(/name it with --shard/);
  });
});
