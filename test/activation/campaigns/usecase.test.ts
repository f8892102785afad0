import { describe, expect, it } from 'vitest';
import { messageKey } from '../../../lambda/activation/contracts/messages';
import { DeliveryError } from '../../../lambda/activation/core/feedback';
import { broadcast, handleEvent, handleSegmentChange, handleTrigger, sendDue } from '../../../lambda/activation/usecases/campaigns';
import { MemoryMembers } from '../../../bench/campaigns';
import { customer, testConfig, testPorts } from './fixtures';

const NOON = Date.parse('2026-12-02T12:00:00.000Z');
const entered = { kind: 'segmentEntered', occurrence: '2026-11-30T10:00:00.000Z', segment: 'lapsedCustomers' } as const;

describe('handleTrigger', () => {
  it('sends once for a trigger delivered twice (the idempotency key is claimed before deciding)', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1'));
    const first = await handleTrigger('winBack', 'p1', entered, t.deps);
    const second = await handleTrigger('winBack', 'p1', entered, t.deps);
    expect(first).toMatchObject({ kind: 'message', record: { status: 'sent', providerMessageId: 'email-1', key: 'winBack#2026-11-30T10:00:00.000Z' } });
    expect(second).toEqual({ kind: 'duplicate', campaign: 'winBack', profileId: 'p1', key: messageKey('winBack', entered.occurrence) });
    expect(t.email.sent).toHaveLength(1);
    expect(t.email.sent[0]?.address).toBe('p1@example.com');
    expect(t.email.sent[0]?.content.subject).toBe('We miss you, Ada');
  });

  it('puts a Push Sent event on the stream for a sent push, addressed to the profile, and none for email', async () => {
    const put: Array<Record<string, unknown>> = [];
    const t = testPorts(testConfig(), NOON, { events: { put: async (events) => void put.push(...events) } });
    t.views.put(customer('p1'));
    const push = await handleTrigger('cartPush', 'p1', { kind: 'event', occurrence: 'm-1', event: { name: 'Product Added', properties: { name: 'Tent' } } }, t.deps);
    expect(push).toMatchObject({ kind: 'message', record: { status: 'sent', channel: 'push' } });
    await handleTrigger('winBack', 'p1', entered, t.deps);
    expect(put).toHaveLength(1);
    expect(put[0]).toMatchObject({ type: 'track', event: 'Push Sent', userId: 'u-p1', properties: { campaign: 'cartPush', channel: 'push', messageKey: 'cartPush#m-1' } });
  });

  it('records the sent message without the address in clear', async () => {
    const t = testPorts(testConfig(), NOON, { unsubscribeUrl: (r) => `https://u.example/unsubscribe?token=${r.key.length}` });
    t.views.put(customer('p1'));
    const result = await handleTrigger('winBack', 'p1', entered, t.deps);
    if (result.kind !== 'message') throw new Error(result.kind);
    expect(result.record).toMatchObject({ addressType: 'email', sentAt: new Date(NOON).toISOString(), localDay: '2026-12-02', timeZone: 'UTC' });
    expect(JSON.stringify(await t.ledger.list('p1', 10))).not.toContain('p1@example.com');
    expect(result.record.content?.html).toContain('href="https://u.example/unsubscribe?token=');
    expect(t.email.sent[0]?.unsubscribeUrl).toMatch(/^https:\/\/u\.example/);
  });

  it('fails a message whose template needs a variable the customer lacks, before any send', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1', { traits: {} }));
    const result = await handleTrigger('winBack', 'p1', entered, t.deps);
    expect(t.email.sent).toHaveLength(0);
    if (result.kind !== 'message') throw new Error(result.kind);
    expect(result.record.status).toBe('failed');
    expect(result.record.outcomes.at(-1)).toMatchObject({ rule: 'template', outcome: 'failed' });
    expect(result.record.outcomes.at(-1)?.detail).toMatch(/html: .*firstName/);
    expect(t.observed.map((r) => r.status)).toEqual(['failed']);
  });

  it('HTML-escapes the html part and leaves the text parts as they are', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1', { traits: { firstName: 'Tom & <b>Jerry</b>' } }));
    await handleTrigger('winBack', 'p1', entered, t.deps);
    expect(t.email.sent[0]?.content.html).toContain('Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;');
    expect(t.email.sent[0]?.content.subject).toBe('We miss you, Tom & <b>Jerry</b>');
  });

  it('records a campaign on a channel without a deliverer as failed, with the reason', async () => {
    const t = testPorts(testConfig(), NOON, { deliverers: { email: undefined } });
    t.views.put(customer('p1'));
    const result = await handleTrigger('winBack', 'p1', entered, t.deps);
    expect(result).toMatchObject({ kind: 'message', record: { status: 'failed', error: 'the email channel is not enabled in this deployment (no deliverer)' } });
  });

  it('records a delivery error on the message, sends nothing again, and suppresses an address the channel refuses', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1'));
    t.email.fail = new DeliveryError('email', 'rejected', 'SES rejected p1@example.com', { suppressReason: 'email:rejected' });
    const result = await handleTrigger('winBack', 'p1', entered, t.deps);
    if (result.kind !== 'message') throw new Error(result.kind);
    expect(result.record.status).toBe('failed');
    expect(result.record.error).toMatch(/^delivery: SES rejected/);
    expect(result.record.error).not.toContain('p1@example.com');
    expect(await t.contacts.reason('email', 'p1@example.com')).toBe('email:rejected');
    t.email.fail = undefined;
    expect((await handleTrigger('winBack', 'p1', entered, t.deps)).kind).toBe('duplicate');
  });

  it('skips disabled and unknown campaigns and missing profiles without claiming anything', async () => {
    const c = testConfig({}, { off: { enabled: false, trigger: { event: 'X' }, channel: 'email', template: { subject: 's', html: 'h' } } });
    const t = testPorts(c, NOON);
    t.views.put(customer('p1'));
    expect(await handleTrigger('off', 'p1', entered, t.deps)).toMatchObject({ kind: 'skipped', reason: 'the campaign is disabled' });
    expect(await handleTrigger('nope', 'p1', entered, t.deps)).toMatchObject({ kind: 'skipped' });
    expect(await handleTrigger('winBack', 'ghost', entered, t.deps)).toMatchObject({ kind: 'skipped', reason: 'no such profile' });
    expect(t.ledger.all()).toHaveLength(0);
  });

  it('suppresses an erased person through the governance suppression check, asking with the view identifiers', async () => {
    const asked: unknown[] = [];
    const t = testPorts(testConfig(), NOON, { suppression: { suppressed: async (sets) => (asked.push(sets), sets.map(() => true)) } });
    t.views.put(customer('p1'));
    const result = await handleTrigger('winBack', 'p1', entered, t.deps);
    expect(result).toMatchObject({ kind: 'message', record: { status: 'suppressed' } });
    expect(asked[0]).toEqual([expect.arrayContaining([{ type: 'email', value: 'p1@example.com' }, { type: 'userId', value: 'u-p1' }])]);
    expect(t.email.sent).toHaveLength(0);
  });

  it('counts the cap over the customer local days: Pacific "yesterday" counts, the day before the window does not', async () => {
    // 2026-12-02T06:00Z is Dec 1, 22:00 in Los Angeles. A 2-day cap counts local Nov 30 and Dec 1.
    const c = testConfig({ caps: { email: { count: 1, days: 2 } } }, {
      promoA: { trigger: { event: 'A' }, channel: 'email', template: { subject: 's', html: 'h' } },
      promoB: { trigger: { event: 'B' }, channel: 'email', template: { subject: 's', html: 'h' } },
    });
    const t = testPorts(c, Date.parse('2026-11-30T07:00:00.000Z')); // Nov 29, 23:00 in LA: outside the window later
    t.views.put(customer('p1', { traits: { firstName: 'Ada', timezone: 'America/Los_Angeles' } }));
    const ev = (id: string) => ({ kind: 'event', occurrence: id }) as const;
    expect(await handleTrigger('promoA', 'p1', ev('m1'), t.deps)).toMatchObject({ record: { status: 'sent', localDay: '2026-11-29' } });
    t.clock.now = Date.parse('2026-12-02T06:00:00.000Z');
    // The Nov 29 (local) send is outside the window (in UTC it would be Nov 30, inside).
    expect(await handleTrigger('promoB', 'p1', ev('m2'), t.deps)).toMatchObject({ record: { status: 'sent', localDay: '2026-12-01' } });
    // Now a send on local Dec 1 counts: capped.
    t.clock.now = Date.parse('2026-12-02T07:30:00.000Z'); // Dec 1, 23:30 in LA
    const capped = await handleTrigger('promoA', 'p1', ev('m3'), t.deps);
    expect(capped).toMatchObject({ record: { status: 'capped' } });
    // Transactional messages neither count nor are capped.
    expect(await handleTrigger('receipt', 'p1', { kind: 'event', occurrence: 'm4', event: { name: 'Order Completed', properties: { orderId: 'o1', total: 5 } } }, t.deps)).toMatchObject({ record: { status: 'sent' } });
  });
});

describe('quiet hours and the deferred sweep', () => {
  const config = testConfig({ quietHours: { start: '21:00', end: '08:00', channels: ['sms'] } });
  const night = Date.parse('2026-12-02T22:30:00.000Z'); // 22:30 UTC

  it('defers a send in quiet hours and sends it when due, re-running the rules then', async () => {
    const t = testPorts(config, night);
    t.views.put(customer('p1'));
    const result = await handleTrigger('vipText', 'p1', { kind: 'segmentEntered', occurrence: 'e1', segment: 'highValue' }, t.deps);
    expect(result).toMatchObject({ kind: 'message', record: { status: 'deferred', deferredUntil: '2026-12-03T08:00:00.000Z' } });
    expect(t.sms.sent).toHaveLength(0);
    expect(t.observed.map((r) => r.status)).toEqual(['deferred']);

    expect(await sendDue(Date.parse('2026-12-03T07:59:00.000Z'), t.deps)).toMatchObject({ due: 0 });
    t.clock.now = Date.parse('2026-12-03T08:00:00.000Z');
    const swept = await sendDue(t.clock.now, t.deps);
    expect(swept).toMatchObject({ due: 1, counts: { sent: 1 } });
    expect(t.sms.sent).toHaveLength(1);
    expect(t.sms.sent[0]?.content.text).toBe('Thanks Ada');
    expect(await t.ledger.get('p1', 'vipText#e1')).toMatchObject({ status: 'sent', decidedAt: '2026-12-03T08:00:00.000Z' });
    expect(t.deferred.queued.size).toBe(0);
    // A second sweep finds nothing.
    expect(await sendDue(t.clock.now, t.deps)).toMatchObject({ due: 0 });
  });

  it('does not send a deferred message whose consent was withdrawn meanwhile', async () => {
    const t = testPorts(config, night);
    t.views.put(customer('p1'));
    await handleTrigger('vipText', 'p1', { kind: 'segmentEntered', occurrence: 'e1', segment: 'highValue' }, t.deps);
    t.views.put(customer('p1', { consent: { marketing_sms: 'denied' } }));
    t.clock.now = Date.parse('2026-12-03T09:00:00.000Z');
    expect(await sendDue(t.clock.now, t.deps)).toMatchObject({ due: 1, counts: { 'no-consent': 1 } });
    expect(t.sms.sent).toHaveLength(0);
    expect(await t.ledger.get('p1', 'vipText#e1')).toMatchObject({ status: 'no-consent' });
  });

  it('sends a transactional message in quiet hours', async () => {
    const c = testConfig({ quietHours: { start: '21:00', end: '08:00', channels: ['email'] } });
    const t = testPorts(c, night);
    t.views.put(customer('p1'));
    const result = await handleTrigger('receipt', 'p1', { kind: 'event', occurrence: 'm1', event: { name: 'Order Completed', properties: { orderId: 'o-9', total: 12 } } }, t.deps);
    expect(result).toMatchObject({ record: { status: 'sent', content: { subject: 'Order o-9' } } });
  });
});

describe('triggers', () => {
  it('makes a republished segment entry (a later `at`) the same occurrence: the entry time the profile holds', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1'));
    const change = { segment: 'lapsedCustomers', profileId: 'p1', change: 'entered' as const, at: '2026-11-30T10:00:01.000Z' };
    const first = await handleSegmentChange(change, t.deps);
    const again = await handleSegmentChange({ ...change, at: '2026-11-30T10:05:00.000Z' }, t.deps);
    expect(first.map((r) => r.kind)).toEqual(['message']);
    expect(again.map((r) => r.kind)).toEqual(['duplicate']);
    expect(t.email.sent).toHaveLength(1);
  });

  it('sends nothing for an entry the profile has since undone, or an exit it is back from', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1', { segments: {} }));
    expect(await handleSegmentChange({ segment: 'lapsedCustomers', profileId: 'p1', change: 'entered', at: '2026-12-01T00:00:00.000Z' }, t.deps)).toMatchObject([
      { kind: 'skipped', reason: 'no longer in segment lapsedCustomers' },
    ]);
    t.views.put(customer('p2'));
    expect(await handleSegmentChange({ segment: 'highValue', profileId: 'p2', change: 'exited', at: '2026-12-01T00:00:00.000Z' }, t.deps)).toMatchObject([{ kind: 'skipped', reason: 'back in segment highValue' }]);
  });

  it('sends an exit campaign once for republications of the same exit within the hour', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1', { segments: {} }));
    const exit = { segment: 'highValue', profileId: 'p1', change: 'exited' as const, at: '2026-12-01T10:02:00.000Z' };
    await handleSegmentChange(exit, t.deps);
    expect((await handleSegmentChange({ ...exit, at: '2026-12-01T10:40:00.000Z' }, t.deps)).map((r) => r.kind)).toEqual(['duplicate']);
    expect(t.email.sent).toHaveLength(1);
  });

  it('addresses an event to the profile owning its identifiers, in identifier priority, with the messageId as occurrence', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1'));
    const event = { messageId: 'm-1', type: 'track', name: 'Order Completed', identifiers: [{ type: 'anonymousId', value: 'nobody' }, { type: 'userId', value: 'u-p1' }], properties: { orderId: 'o-1', total: 30 } };
    const result = await handleEvent(event, t.deps);
    expect(result).toMatchObject({ kind: 'done', results: [{ kind: 'message', record: { key: 'receipt#m-1', status: 'sent', content: { subject: 'Order o-1', html: '<p>Total 30</p>' } } }] });
    expect(await handleEvent(event, t.deps)).toMatchObject({ kind: 'done', results: [{ kind: 'duplicate' }] });
  });

  it('sets off nothing for an event older than a day (a batch import of past orders sends no receipts)', async () => {
    const t = testPorts(testConfig(), NOON);
    t.views.put(customer('p1'));
    const old = { messageId: 'm-old', type: 'track', name: 'Order Completed', ts: NOON - 25 * 3600 * 1000, identifiers: [{ type: 'userId', value: 'u-p1' }], properties: { orderId: 'o', total: 1 } };
    expect(await handleEvent(old, t.deps)).toMatchObject({ kind: 'done', results: [{ kind: 'skipped', reason: 'the event is older than 24 hours' }] });
    expect(await handleEvent({ ...old, messageId: 'm-new', ts: NOON - 3600 * 1000 }, t.deps)).toMatchObject({ kind: 'done', results: [{ kind: 'message' }] });
    expect(t.email.sent).toHaveLength(1);
  });

  it('reports an event whose profile does not exist yet, so it is retried', async () => {
    const t = testPorts(testConfig(), NOON);
    expect(await handleEvent({ messageId: 'm-2', type: 'track', name: 'Order Completed', identifiers: [{ type: 'userId', value: 'later' }] }, t.deps)).toEqual({ kind: 'no-profile' });
    expect(await handleEvent({ messageId: 'm-3', type: 'track', name: 'Not A Trigger', identifiers: [] }, t.deps)).toEqual({ kind: 'done', results: [] });
  });

  it('broadcasts a scheduled campaign to every member of its segment, page by page, once per scheduled time', async () => {
    const t = testPorts(testConfig(), NOON, { recommend: async (id) => [{ itemId: `sku-${id}`, score: 1 }] });
    const ids = Array.from({ length: 7 }, (_, i) => `m${i}`);
    for (const id of ids) t.views.put(customer(id));
    const members = new MemoryMembers({ recentBuyers: ids });
    const run = await broadcast('weekly', '2026-11-30T09:00:00Z', members, t.deps, { pageSize: 3, concurrency: 2 });
    expect(run).toMatchObject({ campaign: 'weekly', segment: 'recentBuyers', profiles: 7, counts: { sent: 7 } });
    expect(t.email.sent.map((m) => m.content.html)).toContain('<ul><li>sku-m3</li></ul>');
    expect(t.email.sent[0]?.record.key).toBe('weekly#2026-11-30T09:00:00.000Z');
    const rerun = await broadcast('weekly', '2026-11-30T09:00:00.000Z', members, t.deps, { pageSize: 3 });
    expect(rerun.counts).toMatchObject({ duplicate: 7, sent: 0 });
    expect(await broadcast('winBack', '2026-11-30T09:00:00Z', members, t.deps)).toMatchObject({ skipped: 'not a scheduled campaign' });
  });
});
