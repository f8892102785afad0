/**
 * The audience export handler on the local activation table (dynalite): a
 * scheduled run always exports; a segment event exports the exports naming
 * that segment, at most once per onChangeMinutes however many events arrive
 * at once; a failed run gives its claim back; bad input fails clearly.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceRunSk, DynamoAudienceExportRuns } from '../../../lambda/activation/adapters/dynamodb-audience-runs';
import type { AudienceManifest } from '../../../lambda/activation/contracts/audiences';
import { audienceExportHandler, AudienceExportInputError } from '../../../lambda/activation/handlers/audience-export';
import type { AudienceSink, CustomerView, SegmentMembers } from '../../../lambda/activation/ports';
import { parseConfig } from '../../../lambda/config';
import { localActivationTable, type LocalActivationTable } from './local-activation-table';

const config = parseConfig({
  activation: {
    audienceExports: {
      vip: { segment: 'highValue', formats: ['meta'], onChangeMinutes: 15 },
      vipGoogle: { segment: 'highValue', formats: ['google'], onChangeMinutes: 60 },
      lapsed: { segment: 'lapsedCustomers', formats: ['meta'], onChangeMinutes: 0 },
    },
  },
});
const T0 = Date.parse('2026-12-02T06:00:00.000Z');
const MIN = 60_000;

const ana: CustomerView = {
  profileId: 'p-ana',
  identifiers: { email: ['ana@example.com'] },
  traits: {},
  computed: {},
  segments: {},
  consent: { advertising: 'granted' },
  scores: {},
  channels: {},
  enriched: {},
  createdAt: 'x',
  updatedAt: 'x',
  asOf: 'x',
};

const segmentEvent = (segment: string, type = 'Segment Entered') => ({
  source: 'c360.segments',
  'detail-type': type,
  detail: { segment, profileId: 'p-ana', change: 'entered', at: '2026-12-02T06:00:00.000Z' },
});

describe('audience export handler', () => {
  let services: LocalActivationTable;
  beforeAll(async () => {
    services = await localActivationTable();
  }, 30_000);
  afterAll(async () => {
    await services?.close();
  });

  function setup(opts: { failSink?: () => boolean } = {}) {
    let now = T0;
    const manifests: AudienceManifest[] = [];
    const members: SegmentMembers = { members: async () => ({ profileIds: ['p-ana'] }) };
    const sink: AudienceSink = {
      async put(key, body) {
        if (opts.failSink?.() === true) throw new Error('S3 is down');
        if (key.endsWith('manifest.json')) manifests.push(JSON.parse(body) as AudienceManifest);
      },
    };
    // Each test runs at its own time, far from the others' windows.
    const runs = new DynamoAudienceExportRuns(services.doc, services.tableName);
    const handler = audienceExportHandler({ config, members, views: { get: async () => ana, ownerOf: async () => undefined }, sink, runs, clock: () => now });
    return { handler, manifests, runs, at: (ms: number) => (now = ms) };
  }

  it('exports every export naming the changed segment once, and debounces the events that follow within onChangeMinutes', async () => {
    const s = setup();
    s.at(T0 + 1000 * MIN);
    const first = await s.handler(segmentEvent('highValue'));
    expect(first.outcomes.map((o) => [o.export, o.status])).toEqual([
      ['vip', 'exported'],
      ['vipGoogle', 'exported'],
    ]);
    s.at(T0 + 1010 * MIN);
    const second = await s.handler(segmentEvent('highValue', 'Segment Exited'));
    expect(second.outcomes.map((o) => [o.export, o.status])).toEqual([
      ['vip', 'debounced'],
      ['vipGoogle', 'debounced'],
    ]);
    // vip's 15 minutes are over, vipGoogle's 60 are not.
    s.at(T0 + 1016 * MIN);
    const third = await s.handler(segmentEvent('highValue'));
    expect(third.outcomes.map((o) => [o.export, o.status])).toEqual([
      ['vip', 'exported'],
      ['vipGoogle', 'debounced'],
    ]);
    expect(s.manifests.map((m) => m.export)).toEqual(['vip', 'vipGoogle', 'vip']);
  });

  it('exports once for a burst of concurrent segment events', async () => {
    const s = setup();
    s.at(T0 + 5000 * MIN);
    const results = await Promise.all(Array.from({ length: 20 }, () => s.handler(segmentEvent('highValue'))));
    const exported = results.flatMap((r) => r.outcomes).filter((o) => o.status === 'exported');
    expect(exported.map((o) => o.export).sort()).toEqual(['vip', 'vipGoogle']);
  });

  it('does not export on change when onChangeMinutes is 0, nor for a segment no export names', async () => {
    const s = setup();
    expect((await s.handler(segmentEvent('lapsedCustomers'))).outcomes).toEqual([]);
    expect((await s.handler(segmentEvent('recentBuyers'))).outcomes).toEqual([]);
    expect(s.manifests).toEqual([]);
  });

  it('always exports on schedule, and a scheduled run debounces the change events right after it', async () => {
    const s = setup();
    s.at(T0 + 9000 * MIN);
    const scheduled = await s.handler({ export: 'vip' });
    expect(scheduled).toMatchObject({ trigger: 'schedule', outcomes: [{ export: 'vip', status: 'exported' }] });
    s.at(T0 + 9001 * MIN);
    expect((await s.handler({ export: 'vip' })).outcomes[0]?.status).toBe('exported');
    const change = await s.handler(segmentEvent('highValue'));
    expect(change.outcomes.find((o) => o.export === 'vip')?.status).toBe('debounced');
    const state = await services.doc.send(new GetCommand({ TableName: services.tableName, Key: { pk: 'STATE', sk: audienceRunSk('vip') } }));
    expect(state.Item).toMatchObject({ lastRunMs: T0 + 9001 * MIN, lastRunAt: new Date(T0 + 9001 * MIN).toISOString() });
  });

  it('gives back the claim of a run that failed, so the retry exports', async () => {
    let failing = true;
    const s = setup({ failSink: () => failing });
    s.at(T0 + 20_000 * MIN);
    await expect(s.handler(segmentEvent('highValue'))).rejects.toThrow(/S3 is down/);
    failing = false;
    const retry = await s.handler(segmentEvent('highValue'));
    expect(retry.outcomes[0]).toMatchObject({ export: 'vip', status: 'exported' });
  });

  it('fails clearly on an unknown export name or an input it does not take, recording nothing', async () => {
    const s = setup();
    await expect(s.handler({ export: 'nope' })).rejects.toThrow(/no audience export "nope"/);
    const state = await services.doc.send(new GetCommand({ TableName: services.tableName, Key: { pk: 'STATE', sk: audienceRunSk('nope') } }));
    expect(state.Item).toBeUndefined();
    await expect(s.handler({ hello: 1 })).rejects.toThrow(AudienceExportInputError);
    await expect(s.handler({ 'detail-type': 'Segment Entered', detail: {} })).rejects.toThrow(/without detail.segment/);
  });
});

describe('DynamoAudienceExportRuns', () => {
  let services: LocalActivationTable;
  beforeAll(async () => {
    services = await localActivationTable();
  }, 30_000);
  afterAll(async () => {
    await services?.close();
  });

  it('lets one of concurrent claims win, refuses claims inside the window, and releases only its own claim', async () => {
    const runs = new DynamoAudienceExportRuns(services.doc, services.tableName);
    const wins = await Promise.all(Array.from({ length: 10 }, () => runs.claim('x', T0, 15 * MIN)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await runs.claim('x', T0 + 14 * MIN, 15 * MIN)).toBe(false);
    expect(await runs.claim('x', T0 + 15 * MIN, 15 * MIN)).toBe(true);
    // A release of the older claim leaves the newer one.
    await runs.release('x', T0);
    expect(await runs.claim('x', T0 + 16 * MIN, 15 * MIN)).toBe(false);
    await runs.release('x', T0 + 15 * MIN);
    expect(await runs.claim('x', T0 + 16 * MIN, 15 * MIN)).toBe(true);
  });
});
