import { describe, expect, it } from 'vitest';
import {
  decodeTagValue,
  encodeTagValue,
  feedbackEvent,
  pushSentEvent,
  readSesEvent,
  readSmsEvent,
  readSmsInbound,
  readSnsMessage,
  redactContacts,
  simulatedFeedback,
  smsOptOutEvents,
  type ProviderFeedback,
  type ReadFeedback,
} from '../../../lambda/activation/core/feedback';
import { FEEDBACK_SOURCE } from '../../../lambda/activation/contracts/events';
import { message, NOW, SES_BOUNCE, SES_CLICK, SES_COMPLAINT, SES_DELIVERY, SES_OPEN, SES_SOFT_BOUNCE, SETTINGS, SMS_STOP, sesEvent, smsEvent, view } from './support';

const fallback = Date.UTC(2026, 11, 1, 10, 5);
const readSes = (e: { detail: unknown; 'detail-type': string }) => readSesEvent(e.detail, fallback, e['detail-type']);
function fb(r: ReadFeedback): ProviderFeedback {
  if (r.kind !== 'feedback') throw new Error(`expected feedback, got ${JSON.stringify(r)}`);
  return r.feedback;
}
const ANA = { userId: 'u-ana' };
const attributed = (f: ProviderFeedback) => feedbackEvent({ ...f, campaign: f.campaign as string, messageKey: f.messageKey as string }, ANA);

describe('SES events', () => {
  it('reads a hard bounce into Email Bounced on the tagged profile, and the address into a suppression', () => {
    const f = fb(readSes(SES_BOUNCE));
    expect(f).toMatchObject({ channel: 'email', event: 'Email Bounced', profileId: 'p-ana', campaign: 'winBack', messageKey: 'winBack#2026-11-30T08:00:00.000Z' });
    expect(f.atMs).toBe(Date.parse('2026-12-01T10:00:02.500Z'));
    expect(f.suppress).toEqual([{ channel: 'email', address: 'ana@example.org', reason: 'bounce:General' }]);
    const event = attributed(f);
    expect(event).toMatchObject({
      type: 'track',
      event: 'Email Bounced',
      userId: 'u-ana',
      timestamp: '2026-12-01T10:00:02.500Z',
      properties: { campaign: 'winBack', channel: 'email', messageKey: 'winBack#2026-11-30T08:00:00.000Z', providerMessageId: '0102019a-ses-message-1', bounceType: 'Permanent', bounceSubType: 'General', status: '5.1.1' },
      context: { c360: { source: FEEDBACK_SOURCE } },
    });
    // The event never carries the address, not even inside the diagnostic.
    expect(JSON.stringify(event)).not.toContain('ana@example.org');
    expect(event.properties.diagnostic).toBe('smtp; 550 5.1.1 <[email]>: Recipient address rejected: User unknown');
  });

  it('does not suppress a soft bounce', () => {
    const f = fb(readSes(SES_SOFT_BOUNCE));
    expect(f.event).toBe('Email Bounced');
    expect(f.detail).toMatchObject({ bounceType: 'Transient', bounceSubType: 'MailboxFull' });
    expect(f.suppress).toEqual([]);
  });

  it('suppresses a complaint and records it as Email Marked as Spam', () => {
    const f = fb(readSes(SES_COMPLAINT));
    expect(f.event).toBe('Email Marked as Spam');
    expect(f.suppress).toEqual([{ channel: 'email', address: 'ana@example.org', reason: 'complaint' }]);
    expect(f.detail).toEqual({ complaintFeedbackType: 'abuse' });
  });

  it('maps delivery, open and click, keeping only the clicked link origin and path', () => {
    expect(fb(readSes(SES_DELIVERY))).toMatchObject({ event: 'Email Delivered', detail: { processingTimeMillis: 1200 }, suppress: [] });
    const open = attributed(fb(readSes(SES_OPEN)));
    expect(open.event).toBe('Email Opened');
    expect(JSON.stringify(open)).not.toContain('198.51.100.7');
    const click = attributed(fb(readSes(SES_CLICK)));
    expect(click.event).toBe('Email Link Clicked');
    expect(click.properties).toMatchObject({ url: 'https://shop.example.com/picks', linkTags: { section: ['picks'] } });
    expect(JSON.stringify(click)).not.toContain('ana%40example.org');
  });

  it('gives a redelivered provider event the same messageId, and different opens different ones', () => {
    const a = attributed(fb(readSes(SES_BOUNCE)));
    const b = attributed(fb(readSes(structuredClone(SES_BOUNCE))));
    expect(a.messageId).toBe(b.messageId);
    const laterOpen = sesEvent('Email Opened', { eventType: 'Open', open: { timestamp: '2026-12-02T08:00:00.000Z' } });
    expect(attributed(fb(readSes(laterOpen))).messageId).not.toBe(attributed(fb(readSes(SES_OPEN))).messageId);
    expect(attributed(fb(readSes(SES_OPEN))).messageId).toBe(attributed(fb(readSes(SES_OPEN))).messageId);
  });

  it('reads the event type from the detail-type when the record has none, and the send time from mail', () => {
    const sent = sesEvent('Email Sent', { send: {} });
    const f = fb(readSes(sent));
    expect(f.event).toBe('Email Sent');
    expect(f.atMs).toBe(Date.parse('2026-12-01T10:00:00.000Z'));
  });

  it('reads a message without c360 tags with no attribution, its suppressions intact', () => {
    const untagged = sesEvent('Email Bounced', { eventType: 'Bounce', bounce: SES_BOUNCE.detail.bounce }, { tags: { 'ses:configuration-set': ['c360-email'] } });
    const f = fb(readSes(untagged));
    expect(f.profileId).toBeUndefined();
    expect(f.suppress).toHaveLength(1);
  });

  it('ignores what is not feedback, with a reason', () => {
    expect(readSes(sesEvent('Email Rendering Failed', { eventType: 'Rendering Failure', failure: { errorMessage: 'x' } }))).toMatchObject({ kind: 'ignored' });
    expect(readSesEvent({ eventType: 'Bounce' }, fallback)).toEqual({ kind: 'ignored', reason: 'not an SES event record (no mail object)' });
  });

  it('reads SES events published through SNS as well', () => {
    expect(fb(readSnsMessage(SES_BOUNCE.detail, fallback)).event).toBe('Email Bounced');
  });
});

describe('SMS events', () => {
  it('maps TEXT_SUCCESSFUL and TEXT_DELIVERED to one SMS Delivered event', () => {
    const a = fb(readSmsEvent(smsEvent('TEXT_SUCCESSFUL'), fallback));
    const b = fb(readSmsEvent(smsEvent('TEXT_DELIVERED'), fallback));
    expect(a).toMatchObject({ channel: 'sms', event: 'SMS Delivered', profileId: 'p-bo', campaign: 'vipWelcome', messageKey: 'vipWelcome#2026-12-01T09:00:00.000Z' });
    expect(a.atMs).toBe(Date.UTC(2026, 11, 1, 10, 0, 5));
    const [ea, eb] = [a, b].map((f) => feedbackEvent({ ...f, campaign: 'vipWelcome', messageKey: 'k' }, { userId: 'u-bo' }));
    expect(ea?.messageId).toBe(eb?.messageId);
    expect(JSON.stringify(ea)).not.toContain('+14255550156');
  });

  it('maps failures to SMS Failed with the status, suppressing an invalid number only', () => {
    const blocked = fb(readSmsEvent(smsEvent('TEXT_CARRIER_BLOCKED', { messageStatus: 'CARRIER_BLOCKED', messageStatusDescription: 'Blocked by carrier for +14255550156' }), fallback));
    expect(blocked).toMatchObject({ event: 'SMS Failed', detail: { status: 'CARRIER_BLOCKED', statusDescription: 'Blocked by carrier for [number]' }, suppress: [] });
    const invalid = fb(readSmsEvent(smsEvent('TEXT_INVALID', { messageStatus: 'INVALID' }), fallback));
    expect(invalid.suppress).toEqual([{ channel: 'sms', address: '+14255550156', reason: 'sms:invalid-number' }]);
  });

  it('ignores voice and unknown events', () => {
    expect(readSmsEvent(smsEvent('VOICE_COMPLETED'), fallback)).toMatchObject({ kind: 'ignored' });
  });

  it('reads a STOP reply (any case) as an opt-out, and other replies as nothing', () => {
    expect(readSmsInbound(SMS_STOP, fallback)).toEqual({
      kind: 'opt-out',
      optOut: { phone: '+14255550156', keyword: 'STOP', inboundMessageId: 'cae173d2-66b9-564c-8309-21f858e9fb84', atMs: fallback },
    });
    expect(readSnsMessage({ ...SMS_STOP, messageBody: 'where is my order?' }, fallback)).toMatchObject({ kind: 'ignored' });
    expect(readSnsMessage(SMS_STOP, fallback).kind).toBe('opt-out');
  });

  it('makes SMS Opted Out and a consent decision denying the SMS purposes', () => {
    const r = readSmsInbound(SMS_STOP, fallback);
    if (r.kind !== 'opt-out') throw new Error('expected an opt-out');
    const [optedOut, consent] = smsOptOutEvents(r.optOut, { userId: 'u-bo' }, ['marketing_sms'], SETTINGS);
    expect(optedOut).toMatchObject({ type: 'track', event: 'SMS Opted Out', userId: 'u-bo', properties: { channel: 'sms', keyword: 'STOP' } });
    expect(consent).toMatchObject({
      type: 'track',
      event: 'Segment Consent Preference Updated',
      userId: 'u-bo',
      timestamp: new Date(fallback).toISOString(),
      context: { consent: { categoryPreferences: { marketing_sms: false }, policyVersion: '3', source: 'sms-stop' } },
    });
    expect(smsOptOutEvents(r.optOut, { userId: 'u-bo' }, ['marketing_sms'], SETTINGS)[1]?.messageId).toBe(consent?.messageId);
  });
});

describe('tags, redaction and builders', () => {
  it('round-trips tag values, encoding what SES tags cannot hold and hashing what is too long', () => {
    for (const v of ['winBack', 'p-0a1b', 'winBack#2026-11-30T08:00:00.000Z', 'événement', 'b64-looks-encoded']) {
      const tag = encodeTagValue(v);
      expect(tag).toMatch(/^[A-Za-z0-9_-]{1,256}$/);
      expect(decodeTagValue(tag)).toBe(v);
    }
    const long = `c#${'x'.repeat(300)}`;
    expect(encodeTagValue(long)).toMatch(/^sha256-[0-9a-f]{64}$/);
  });

  it('redacts emails and phone numbers from provider text', () => {
    expect(redactContacts('550 <Ana.B@Example.org> unknown; call +1 (425) 555-0156')).toBe('550 <[email]> unknown; call [number]');
  });

  it('builds Push Sent for a successful push, addressed by userId else anonymousId', () => {
    const record = message({ channel: 'push', addressType: 'deviceToken' });
    const sent = pushSentEvent(record, 'pinpoint-msg-1', view('p-ana', { anonymousId: ['anon-1'] }), NOW);
    expect(sent).toMatchObject({ event: 'Push Sent', anonymousId: 'anon-1', timestamp: new Date(NOW).toISOString(), properties: { channel: 'push', campaign: 'winBack', messageKey: record.key, providerMessageId: 'pinpoint-msg-1' } });
    expect(pushSentEvent(record, 'pinpoint-msg-1', view('p-ana', {}), NOW)).toBeUndefined();
  });
});

describe('simulatedFeedback', () => {
  const ana = view('p-ana', { userId: ['u-ana'], email: ['ana@example.org'], phone: ['+14255550156'], deviceToken: ['tok-1'] });

  it('maps each kind per channel', () => {
    const name = (kind: 'deliver' | 'open' | 'click' | 'bounce', channel: 'email' | 'sms' | 'push') => {
      const r = simulatedFeedback(kind, message({ channel }), ana, NOW);
      return r.ok ? r.event.event : undefined;
    };
    expect([name('deliver', 'email'), name('open', 'email'), name('click', 'email'), name('bounce', 'email')]).toEqual(['Email Delivered', 'Email Opened', 'Email Link Clicked', 'Email Bounced']);
    expect([name('deliver', 'sms'), name('bounce', 'sms'), name('open', 'sms')]).toEqual(['SMS Delivered', 'SMS Failed', undefined]);
    expect([name('deliver', 'push'), name('open', 'push'), name('bounce', 'push')]).toEqual(['Push Sent', 'Push Opened', 'Push Failed']);
  });

  it('names the address a bounce suppresses, from the message address type', () => {
    const r = simulatedFeedback('bounce', message(), ana, NOW);
    expect(r).toMatchObject({ ok: true, suppress: { channel: 'email', address: 'ana@example.org', reason: 'bounce:General' } });
    if (r.ok) expect(JSON.stringify(r.event)).not.toContain('ana@example.org');
  });

  it('refuses a message that was not sent, and opens of an SMS, with a reason', () => {
    expect(simulatedFeedback('open', message({ status: 'capped' }), ana, NOW)).toEqual({ ok: false, reason: 'message winBack#2026-11-30T08:00:00.000Z was not sent (its status is capped)' });
    expect(simulatedFeedback('click', message({ channel: 'sms' }), ana, NOW)).toMatchObject({ ok: false });
  });
});

describe('what the stream consumer reads of the events', () => {
  it('parses the feedback and consent events as valid events, the consent one as a denial of marketing_sms', async () => {
    const { parseEvent } = await import('../../../lambda/shared/events');
    const opts = {
      identifierTypes: ['userId', 'anonymousId', 'email', 'phone'],
      defaultPhoneRegion: 'US',
      revenueProperties: ['revenue'],
      now: NOW,
      consent: { purposes: ['marketing_email', 'marketing_sms'], categories: {}, preferenceEvent: SETTINGS.preferenceEvent, policyVersion: '1' },
    };
    const r = readSmsInbound(SMS_STOP, NOW - 1000);
    if (r.kind !== 'opt-out') throw new Error('expected an opt-out');
    const [optedOut, consent] = smsOptOutEvents(r.optOut, { anonymousId: 'anon-bo' }, ['marketing_sms'], SETTINGS);
    expect(parseEvent(JSON.stringify(optedOut), NOW, opts)).toMatchObject({ ok: true });
    const parsed = parseEvent(JSON.stringify(consent), NOW, opts);
    expect(parsed).toMatchObject({ ok: true, event: { consent: [{ purpose: 'marketing_sms', status: 'denied', source: 'sms-stop', policyVersion: '3' }] } });
    const bounce = fb(readSes(SES_BOUNCE));
    expect(parseEvent(JSON.stringify(attributed({ ...bounce, atMs: NOW - 1000 })), NOW, opts)).toMatchObject({ ok: true });
  });
});
