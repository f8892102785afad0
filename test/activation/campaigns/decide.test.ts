import { describe, expect, it } from 'vitest';
import { campaignSalt, controlBucket, decide, GLOBAL_CONTROL_SALT, inControlGroup, type DecisionInput } from '../../../lambda/activation/core/campaigns';
import { customer, testConfig } from './fixtures';

const NOON_UTC = Date.parse('2026-12-02T12:00:00.000Z');

function input(config: ReturnType<typeof testConfig>, campaignName: string, parts: Partial<DecisionInput> = {}): DecisionInput {
  const campaign = config.activation.campaigns[campaignName];
  if (campaign === undefined) throw new Error(campaignName);
  return { campaignName, campaign, view: customer('p1'), erased: false, sentInWindow: 0, nowMs: NOON_UTC, ...parts };
}

const rules = (d: ReturnType<typeof decide>) => d.outcomes.map((o) => `${o.rule}:${o.outcome}`);

describe('the send rules, in order', () => {
  const config = testConfig();

  it('sends when every rule passes, recording each outcome in SEND_RULES order', () => {
    const d = decide(input(config, 'winBack'), config);
    expect(d.status).toBe('send');
    expect(rules(d)).toEqual(['suppression:pass', 'consent:pass', 'control:pass', 'cap:pass', 'quietHours:pass']);
    expect(d.address).toEqual({ address: 'p1@example.com', addressType: 'email' });
  });

  it('suppresses an erased person before anything else', () => {
    const d = decide(input(config, 'winBack', { erased: true, view: customer('p1', { consent: {} }) }), config);
    expect(d.status).toBe('suppressed');
    expect(rules(d)).toEqual(['suppression:suppressed']);
    expect(d.outcomes[0]?.detail).toMatch(/erasure/);
  });

  it('suppresses a bounced address, with the reason', () => {
    const d = decide(input(config, 'winBack', { contactSuppressed: 'email:bounce:permanent' }), config);
    expect(d.status).toBe('suppressed');
    expect(d.outcomes).toEqual([{ rule: 'suppression', outcome: 'suppressed', detail: 'the email address is suppressed: email:bounce:permanent' }]);
  });

  it('fails a profile without an address on the channel (push: the configured token identifier)', () => {
    const view = customer('p1', { identifiers: { email: ['p1@example.com'] } });
    const d = decide(input(config, 'cartPush', { view }), config);
    expect(d.status).toBe('failed');
    expect(rules(d)).toEqual(['address:failed']);
    expect(d.outcomes[0]?.detail).toMatch(/no deviceToken identifier/);
  });

  it('stops without the channel consent purpose, and passes the suppression first', () => {
    const view = customer('p1', { consent: { marketing_email: 'denied' } });
    const d = decide(input(config, 'winBack', { view }), config);
    expect(d.status).toBe('no-consent');
    expect(rules(d)).toEqual(['suppression:pass', 'consent:no-consent']);
    expect(d.outcomes[1]?.detail).toBe('marketing_email not granted');
  });

  it('reads a purpose the view does not list by its configured default (marketing is opt-in)', () => {
    const view = customer('p1', { consent: {} });
    expect(decide(input(config, 'vipText', { view }), config).status).toBe('no-consent');
  });

  it('lets a transactional message through without consent, control, cap or quiet hours', () => {
    const view = customer('p1', { consent: { marketing_email: 'denied' } });
    const d = decide(input(config, 'receipt', { view, sentInWindow: 99 }), config);
    expect(d.status).toBe('send');
    expect(rules(d)).toEqual(['suppression:pass', 'consent:bypassed', 'control:bypassed', 'cap:bypassed', 'quietHours:bypassed']);
  });

  it('still suppresses a transactional message to an erased person or a bounced address', () => {
    expect(decide(input(config, 'receipt', { erased: true }), config).status).toBe('suppressed');
    expect(decide(input(config, 'receipt', { contactSuppressed: 'complaint' }), config).status).toBe('suppressed');
  });

  it('makes a transactional campaign that names a purpose need it', () => {
    const c = testConfig({}, { notice: { trigger: { event: 'Ticket Closed' }, channel: 'email', transactional: true, purpose: 'data_sharing', template: { subject: 's', html: 'h' } } });
    const d = decide(input(c, 'notice'), c);
    expect(d.status).toBe('no-consent');
    expect(d.outcomes[1]?.detail).toBe('data_sharing not granted');
  });
});

describe('control groups', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `profile-${i}`);

  it('holds out the global control group by a hash of the profile id, the same on every call', () => {
    const config = testConfig({ globalControlPercent: 10 });
    const held = ids.filter((id) => decide(input(config, 'winBack', { view: customer(id) }), config).status === 'held-out');
    expect(held).toEqual(ids.filter((id) => controlBucket(id, GLOBAL_CONTROL_SALT) < 10));
    expect(held.length).toBeGreaterThan(140);
    expect(held.length).toBeLessThan(260);
    const again = ids.filter((id) => decide(input(config, 'winBack', { view: customer(id) }), config).status === 'held-out');
    expect(again).toEqual(held);
    const first = held[0] as string;
    expect(decide(input(config, 'winBack', { view: customer(first) }), config).outcomes.at(-1)).toEqual({ rule: 'control', outcome: 'held-out', detail: 'global control group (10% of profiles)' });
  });

  it('holds out a campaign holdout independently of the global group and of other campaigns', () => {
    const config = testConfig({}, { nudge: { trigger: { event: 'Product Viewed' }, channel: 'email', holdoutPercent: 20, template: { subject: 's', html: 'h' } } });
    const held = ids.filter((id) => decide(input(config, 'nudge', { view: customer(id) }), config).status === 'held-out');
    expect(held).toEqual(ids.filter((id) => inControlGroup(id, 20, campaignSalt('nudge'))));
    expect(held).not.toEqual(ids.filter((id) => inControlGroup(id, 20, GLOBAL_CONTROL_SALT)));
    expect(held).not.toEqual(ids.filter((id) => inControlGroup(id, 20, campaignSalt('other'))));
    // The campaign without a holdout sends to them.
    expect(held.every((id) => decide(input(config, 'winBack', { view: customer(id) }), config).status === 'send')).toBe(true);
  });

  it('never holds out a transactional message', () => {
    const config = testConfig({ globalControlPercent: 50 });
    expect(ids.slice(0, 200).every((id) => decide(input(config, 'receipt', { view: customer(id) }), config).status === 'send')).toBe(true);
  });
});

describe('frequency caps', () => {
  const config = testConfig({ caps: { email: { count: 2, days: 7 } } });

  it('caps at the count, describing the local window', () => {
    expect(decide(input(config, 'winBack', { sentInWindow: 1 }), config).status).toBe('send');
    const d = decide(input(config, 'winBack', { sentInWindow: 2, view: customer('p1', { traits: { timezone: 'America/Los_Angeles' } }) }), config);
    expect(d.status).toBe('capped');
    expect(rules(d)).toEqual(['suppression:pass', 'consent:pass', 'control:pass', 'cap:capped']);
    expect(d.outcomes.at(-1)?.detail).toBe('2 of 2 email messages on local days 2026-11-26 to 2026-12-02 (America/Los_Angeles)');
  });

  it('says in the cap outcome when an invalid time zone trait fell back to the default', () => {
    const d = decide(input(config, 'winBack', { view: customer('p1', { traits: { timezone: 'Nowhere/Land' } }) }), config);
    expect(d.timeZone).toBe('UTC');
    expect(d.outcomes.find((o) => o.rule === 'cap')?.detail).toMatch(/trait timezone is not an IANA time zone; using UTC/);
  });

  it('does not cap a channel without a cap', () => {
    const c = testConfig({ caps: {} });
    expect(decide(input(c, 'winBack', { sentInWindow: 1000 }), c).status).toBe('send');
  });
});

describe('quiet hours', () => {
  const config = testConfig({ quietHours: { start: '21:00', end: '08:00', channels: ['sms'] } });
  const tokyo = customer('p1', { traits: { timezone: 'Asia/Tokyo' } });

  it('defers an SMS inside the local window to its end', () => {
    // 12:00Z is 21:00 in Tokyo: deferred to 08:00 Tokyo = 23:00Z.
    const d = decide(input(config, 'vipText', { view: tokyo }), config);
    expect(d.status).toBe('deferred');
    expect(d.deferredUntil).toBe('2026-12-02T23:00:00.000Z');
    expect(d.outcomes.at(-1)).toMatchObject({ rule: 'quietHours', outcome: 'deferred' });
  });

  it('sends an email (a channel without quiet hours) at the same time', () => {
    expect(decide(input(config, 'winBack', { view: tokyo }), config).status).toBe('send');
  });

  it('sends the SMS outside the window', () => {
    expect(decide(input(config, 'vipText', { view: customer('p1', { traits: { timezone: 'Europe/London' } }) }), config).status).toBe('send');
  });
});
