import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createEventCampaignHandler, type EventBatchOutcome } from '../../../lambda/activation/handlers/campaign-events';
import { createCampaignScheduleHandler, parseScheduleInvocation } from '../../../lambda/activation/handlers/campaign-schedule';
import { createSegmentCampaignHandler } from '../../../lambda/activation/handlers/campaign-segments';
import { aggregate } from '../../../lambda/shared/kpl';
import { MemoryMembers } from '../../../bench/campaigns';
import { customer, testConfig, testPorts } from './fixtures';

const NOON = Date.parse('2026-12-02T12:00:00.000Z');
const parse = { identifierTypes: ['userId', 'email', 'phone', 'anonymousId', 'deviceToken'], defaultPhoneRegion: 'US', revenueProperties: ['revenue', 'total'] };

const order = (messageId: string, userId: string) =>
  JSON.stringify({ type: 'track', event: 'Order Completed', messageId, userId, timestamp: '2026-12-02T11:59:00.000Z', properties: { orderId: `o-${messageId}`, total: 10 } });

function kinesis(payloads: Array<string | Buffer>): KinesisStreamEvent {
  return {
    Records: payloads.map((p, i) => ({
      eventID: `shardId-000000000000:${100 + i}`,
      eventSource: 'aws:kinesis',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/events',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn',
      awsRegion: 'us-east-1',
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'k', sequenceNumber: String(100 + i), approximateArrivalTimestamp: NOON / 1000, data: Buffer.from(p).toString('base64') },
    })),
  };
}

describe('campaign-events (Kinesis)', () => {
  it('sends for trigger events, passes over unreadable and other records, and reports the first event whose profile does not exist yet', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1'));
    const outcomes: EventBatchOutcome[] = [];
    const handler = createEventCampaignHandler({ ...t.deps, parse, observeOutcome: (o) => outcomes.push(o) });
    const other = JSON.stringify({ type: 'track', event: 'Page Viewed', messageId: 'x', userId: 'u-p1' });
    const response = await handler(kinesis([order('m1', 'u-p1'), 'not json', other, order('m2', 'u-unknown'), order('m3', 'u-p1')]));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '103' }] });
    expect(t.email.sent.map((m) => m.record.key)).toEqual(['receipt#m1']);
    expect(outcomes[0]).toMatchObject({ records: 5, unreadable: 1, triggers: 2, waitingForProfile: 1, counts: { sent: 1 } });

    // The retry from the failed record, once the profile exists: m3 is sent, m2 too; nothing twice.
    t.views.put(customer('p2', { identifiers: { userId: ['u-unknown'], email: ['p2@example.com'] } }));
    const retry = await handler(kinesis([order('m1', 'u-p1'), order('m2', 'u-unknown'), order('m3', 'u-p1')]));
    expect(retry).toEqual({ batchItemFailures: [] });
    expect(t.email.sent.map((m) => m.record.key).sort()).toEqual(['receipt#m1', 'receipt#m2', 'receipt#m3']);
  });

  it('unpacks KPL-aggregated records', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1'));
    const handler = createEventCampaignHandler({ ...t.deps, parse });
    const kpl = aggregate([order('k1', 'u-p1'), order('k2', 'u-p1')].map((d) => ({ partitionKey: 'k', data: Buffer.from(d) })));
    expect(await handler(kinesis([kpl]))).toEqual({ batchItemFailures: [] });
    expect(t.email.sent.map((m) => m.record.key)).toEqual(['receipt#k1', 'receipt#k2']);
  });

  it('reports a record whose handling failed, so the batch is retried from it', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1'));
    const handler = createEventCampaignHandler({ ...t.deps, parse, contacts: { ...t.contacts, reason: async () => Promise.reject(new Error('table unavailable')), add: t.contacts.add, remove: t.contacts.remove } });
    expect(await handler(kinesis([order('m1', 'u-p1')]))).toEqual({ batchItemFailures: [{ itemIdentifier: '100' }] });
    expect(t.email.sent).toHaveLength(0);
  });
});

describe('campaign-segments (EventBridge)', () => {
  it('handles a Segment Entered event', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1'));
    const handler = createSegmentCampaignHandler(t.deps);
    const outcome = await handler({ source: 'c360.segments', 'detail-type': 'Segment Entered', detail: { segment: 'lapsedCustomers', profileId: 'p1', change: 'entered', at: '2026-11-30T10:00:00.500Z' } });
    expect(outcome).toEqual({ segment: 'lapsedCustomers', change: 'entered', campaigns: 1, counts: expect.objectContaining({ sent: 1 }) });
  });

  it('rejects an event that is not a segment change, naming what is wrong', async () => {
    const handler = createSegmentCampaignHandler(testPorts(testConfig(), NOON).deps);
    await expect(handler({ source: 'c360.segments', 'detail-type': 'Segment Entered', detail: { segment: 'x' } })).rejects.toThrow(/not a segment change: profileId/);
    await expect(handler({ source: 'c360.segments', 'detail-type': 'Segment Exited', detail: { segment: 'x', profileId: 'p', change: 'entered', at: '2026-01-01T00:00:00Z' } })).rejects.toThrow(/does not match/);
    await expect(handler({ source: 'other', detail: {} })).rejects.toThrow(/not a segment event/);
  });
});

describe('campaign-schedule', () => {
  it('broadcasts a scheduled run and sweeps deferred sends', async () => {
    const t = testPorts(testConfig({ quietHours: { start: '00:00', end: '13:00', channels: ['sms'] } }), NOON);
    t.views.put(customer('p1'));
    const handler = createCampaignScheduleHandler({ ...t.deps, members: new MemoryMembers({ recentBuyers: ['p1'] }) });
    expect(await handler({ campaign: 'weekly', scheduledAt: '2026-12-02T09:00:00Z' })).toMatchObject({ kind: 'broadcast', profiles: 1, counts: { sent: 1 } });
    await createSegmentCampaignHandler(t.deps)({ detail: { segment: 'highValue', profileId: 'p1', change: 'entered', at: '2026-12-02T12:00:00Z' } });
    expect(t.deferred.queued.size).toBe(1);
    t.clock.now = Date.parse('2026-12-02T13:00:00.000Z');
    expect(await handler({ sweep: 'deferred' })).toMatchObject({ kind: 'sweep', due: 1, counts: { sent: 1 } });
    expect(t.sms.sent).toHaveLength(1);
  });

  it('refuses an invocation that is neither a run nor a sweep', () => {
    expect(() => parseScheduleInvocation({ campaign: 'weekly' })).toThrow(/\{ campaign, scheduledAt \} or \{ sweep: 'deferred' \}/);
    expect(() => parseScheduleInvocation({ campaign: 'weekly', scheduledAt: 'monday' })).toThrow(/ISO-8601/);
    expect(parseScheduleInvocation({ sweep: 'deferred', limit: 5 })).toEqual({ sweep: 'deferred', limit: 5 });
  });
});
