import { describe, expect, it } from 'vitest';
import { createFeedbackHandler } from '../../../lambda/activation/handlers/feedback';
import { recordSmsOptOut, reconcileSmsOptOuts, type SmsOptOutList } from '../../../lambda/activation/usecases/feedback';
import { MemoryEvents, MemorySuppressions, MemoryViews, NOW, SES_BOUNCE, SES_OPEN, SETTINGS, SMS_STOP, sesEvent, smsEvent, snsEvent, view } from './support';

function setup() {
  const views = new MemoryViews()
    .add(view('p-ana', { userId: ['u-ana'], email: ['ana@example.org'] }))
    .add(view('p-bo', { anonymousId: ['anon-bo'], phone: ['+14255550156'] }));
  const events = new MemoryEvents();
  const suppressions = new MemorySuppressions();
  const observed: unknown[] = [];
  const handler = createFeedbackHandler({ views, events, suppressions, settings: SETTINGS, clock: () => NOW, observe: (o) => observed.push(o) });
  return { views, events, suppressions, handler, observed };
}

describe('feedback handler: SES events from EventBridge', () => {
  it('writes Email Bounced on the profile and suppresses the hard-bounced address', async () => {
    const { handler, events, suppressions } = setup();
    const outcome = await handler(SES_BOUNCE);
    expect(outcome).toEqual({ source: 'ses', read: 1, written: 1, suppressed: 1, dropped: {} });
    expect(events.events).toEqual([expect.objectContaining({ type: 'track', event: 'Email Bounced', userId: 'u-ana', properties: expect.objectContaining({ campaign: 'winBack', bounceType: 'Permanent' }) })]);
    expect(suppressions.items.get('email|ana@example.org')).toEqual({ reason: 'bounce:General', atMs: Date.parse('2026-12-01T10:00:02.500Z') });
  });

  it('drops an event it cannot attribute, counted by reason, and still suppresses its address', async () => {
    const { handler, events, suppressions, observed } = setup();
    const untagged = sesEvent('Email Bounced', { eventType: 'Bounce', bounce: SES_BOUNCE.detail.bounce }, { tags: {} });
    const outcome = await handler(untagged);
    expect(outcome).toEqual({ source: 'ses', read: 1, written: 0, suppressed: 1, dropped: { 'no profile tag on the message': 1 } });
    expect(events.events).toEqual([]);
    expect(suppressions.items.has('email|ana@example.org')).toBe(true);
    expect(observed).toEqual([outcome]);
  });

  it('drops feedback of a profile that no longer exists', async () => {
    const { handler, events } = setup();
    const gone = sesEvent('Email Opened', { eventType: 'Open', open: SES_OPEN.detail.open }, { tags: { campaign: ['winBack'], profile: ['p-erased'], messageKey: ['k'] } });
    expect((await handler(gone)).dropped).toEqual({ 'the profile no longer exists': 1 });
    expect(events.puts).toBe(0);
  });

  it('answers events of no provider with a reason instead of throwing', async () => {
    const { handler } = setup();
    expect(await handler({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} } as never)).toMatchObject({ source: 'unknown', dropped: { 'not an SES, SMS or scheduled event': 1 } });
  });
});

describe('feedback handler: SMS over SNS', () => {
  it('writes SMS Delivered on the profile named by the message context', async () => {
    const { handler, events } = setup();
    const outcome = await handler(snsEvent(smsEvent('TEXT_DELIVERED', { context: { campaign: 'vipWelcome', profile: 'p-bo', messageKey: 'vipWelcome#o1' } })));
    expect(outcome).toMatchObject({ source: 'sns', read: 1, written: 1 });
    expect(events.events[0]).toMatchObject({ event: 'SMS Delivered', anonymousId: 'anon-bo', properties: { campaign: 'vipWelcome', channel: 'sms', messageKey: 'vipWelcome#o1' } });
  });

  it('records a STOP reply: the number suppressed, SMS Opted Out and consent denied for marketing_sms', async () => {
    const { handler, events, suppressions } = setup();
    const outcome = await handler(snsEvent(SMS_STOP));
    expect(outcome).toMatchObject({ read: 1, written: 2, suppressed: 1, dropped: {} });
    // Recorded: the consent decision is on the stream.
    expect(suppressions.items.get('sms|+14255550156')?.reason).toBe('sms-stop');
    expect(events.events.map((e) => e.event)).toEqual(['SMS Opted Out', 'Segment Consent Preference Updated']);
    expect(events.events[1]).toMatchObject({
      anonymousId: 'anon-bo',
      timestamp: '2026-12-01T10:00:06.000Z',
      context: { consent: { categoryPreferences: { marketing_sms: false }, policyVersion: '3', source: 'sms-stop' } },
    });
    expect(JSON.stringify(events.events)).not.toContain('+14255550156');
  });

  it('suppresses a STOP from a number no profile owns, and counts the consent it could not record', async () => {
    const { handler, events, suppressions } = setup();
    const outcome = await handler(snsEvent({ ...SMS_STOP, originationNumber: '+14255550199' }));
    expect(outcome.dropped).toEqual({ 'no profile owns the opted-out number': 1 });
    // Suppressed, but only listed: reconciliation records the consent once a profile owns the number.
    expect(suppressions.items.get('sms|+14255550199')?.reason).toBe('sms-opted-out');
    expect(events.events).toEqual([]);
  });

  it('counts a message that is not JSON and reads the rest of the delivery', async () => {
    const { handler } = setup();
    const outcome = await handler(snsEvent('not json', smsEvent('TEXT_SUCCESSFUL')));
    expect(outcome).toMatchObject({ read: 2, written: 1, dropped: { 'the SNS message is not JSON': 1 } });
  });

  it('gives a redelivered SNS message the same events', async () => {
    const { handler, events } = setup();
    await handler(snsEvent(SMS_STOP));
    await handler(snsEvent(SMS_STOP));
    const ids = events.events.map((e) => e.messageId);
    expect(ids.slice(0, 2)).toEqual(ids.slice(2));
  });

  it('fails the delivery when the stream does, so it is retried', async () => {
    const { views, suppressions } = setup();
    const handler = createFeedbackHandler({
      views,
      suppressions,
      settings: SETTINGS,
      events: { put: async () => Promise.reject(new Error('stream unavailable')) },
    });
    await expect(handler(SES_BOUNCE)).rejects.toThrow('stream unavailable');
  });
});

describe('SMS opt-out reconciliation', () => {
  const list = (entries: { phone: string; atMs: number; byEndUser: boolean }[]): SmsOptOutList => ({
    async *list() {
      yield* entries;
    },
  });

  it('records opt-outs c360 had not seen, and leaves known ones alone on the next run', async () => {
    const { views, events, suppressions } = setup();
    const deps = { views, events, suppressions, settings: SETTINGS, clock: () => NOW };
    const optOuts = list([
      { phone: '+14255550156', atMs: Date.UTC(2026, 10, 20), byEndUser: true },
      { phone: '+14255550177', atMs: Date.UTC(2026, 10, 21), byEndUser: false },
    ]);
    const first = await reconcileSmsOptOuts(optOuts, deps);
    expect(first).toMatchObject({ listed: 2, known: 0, suppressed: 1, written: 2 });
    expect(events.events[1]).toMatchObject({ event: 'Segment Consent Preference Updated', timestamp: '2026-11-20T00:00:00.000Z' });
    const second = await reconcileSmsOptOuts(optOuts, deps);
    expect(second).toMatchObject({ listed: 2, known: 1, suppressed: 0, written: 0 });
  });

  it('records the consent of a number a failed send suppressed, and of one whose events did not reach the stream', async () => {
    const { views, suppressions } = setup();
    const events = new MemoryEvents();
    await suppressions.add('sms', '+14255550156', 'sms-opted-out', 1);
    const optOuts = list([{ phone: '+14255550156', atMs: Date.UTC(2026, 10, 20), byEndUser: true }]);
    const failing = { put: async () => Promise.reject(new Error('stream unavailable')) };
    await expect(reconcileSmsOptOuts(optOuts, { views, events: failing, suppressions, settings: SETTINGS })).rejects.toThrow('stream unavailable');
    expect(suppressions.items.get('sms|+14255550156')?.reason).toBe('sms-opted-out');
    const outcome = await reconcileSmsOptOuts(optOuts, { views, events, suppressions, settings: SETTINGS });
    expect(outcome).toMatchObject({ listed: 1, known: 0, written: 2 });
    expect(suppressions.items.get('sms|+14255550156')).toEqual({ reason: 'sms-stop', atMs: Date.UTC(2026, 10, 20) });
  });

  it('runs on the schedule through the handler', async () => {
    const { views, events, suppressions } = setup();
    const handler = createFeedbackHandler({ views, events, suppressions, settings: SETTINGS, optOutList: list([{ phone: '+14255550156', atMs: 5, byEndUser: true }]) });
    const outcome = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {}, time: '2026-12-02T00:00:00Z' } as never);
    expect(outcome).toMatchObject({ source: 'schedule', listed: 1, written: 2 });
  });

  it('records an opt-out the campaign path found when a send failed', async () => {
    const { views, events, suppressions } = setup();
    const outcome = await recordSmsOptOut({ phone: '(425) 555-0156', keyword: 'STOP', inboundMessageId: 'send-failure|vipWelcome#o1', atMs: NOW }, { views, events, suppressions, settings: SETTINGS });
    expect(outcome).toMatchObject({ written: 2, suppressed: 1 });
    expect(suppressions.items.has('sms|+14255550156')).toBe(true);
  });
});
