/**
 * customerView: a stored profile as other pillars read it at one moment:
 * windowed computed traits evaluated at that moment (not at the last
 * write), the default computed traits (read from the stored counters)
 * unless config redefines one, consent status
 * for every configured purpose, scores, segments and channels.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type C360Config } from '../../../lambda/config';
import { MemoryProfileStore } from '../../../lambda/unification/adapters/memory-profile-store';
import { customerRecordReader } from '../../../lambda/unification/contracts/customer-record';
import { customerView } from '../../../lambda/unification/contracts/customer-view';
import type { Profile } from '../../../lambda/unification/core/profile/profile';
import { unifySettings } from '../../../lambda/unification/settings';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { record } from '../../support/events';

const DAY = 86_400_000;
const WRITTEN = Date.UTC(2026, 10, 1);
const iso = (ms: number) => new Date(ms).toISOString();

async function profileOf(config: C360Config, events: Record<string, unknown>[]): Promise<Profile> {
  const store = new MemoryProfileStore();
  const deps = { store, quarantine: { put: async () => {} }, settings: unifySettings(config), clock: () => WRITTEN, newProfileId: () => 'p-1', sleep: async () => {} };
  const out = await unifyBatch(events.map((e) => record(e, WRITTEN)), 'b', 'test', deps);
  expect(out.quarantined).toBe(0);
  return store.profiles.get('p-1') as Profile;
}

const base = { userId: 'u-1', context: { channel: 'web' } };
const order = (messageId: string, at: number, revenue: number) => ({ ...base, type: 'track', messageId, event: 'Order Completed', timestamp: iso(at), properties: { revenue } });
const EVENTS = [
  { ...base, type: 'identify', messageId: 'i1', timestamp: iso(WRITTEN - 200 * DAY), traits: { email: 'ana@example.org', timezone: 'Europe/Paris' } },
  order('o1', WRITTEN - 80 * DAY, 120),
  order('o2', WRITTEN - 200 * DAY, 30),
  {
    ...base,
    type: 'track',
    messageId: 'c1',
    event: 'Segment Consent Preference Updated',
    timestamp: iso(WRITTEN - 10 * DAY),
    context: { channel: 'web', consent: { categoryPreferences: { marketing_email: true, advertising: false } } },
  },
  {
    ...base,
    type: 'track',
    messageId: 's1',
    event: 'Propensity Scored',
    timestamp: iso(WRITTEN - DAY),
    properties: { model: 'churn', score: 0.81, modelVersion: 'churn-1', algorithm: 'random-forest', scoredAt: iso(WRITTEN - DAY), topFeatures: [{ feature: 'daysSinceLastOrder', weight: 0.3, value: 80 }] },
  },
];

describe('customerView', () => {
  const config = parseConfig({});

  it('evaluates windowed computed traits at the moment asked for: an order 100 days ago is not in ordersLast90Days', async () => {
    const profile = await profileOf(config, EVENTS);
    const atWrite = customerView(profile, config, WRITTEN);
    expect(atWrite.computed).toMatchObject({ ordersLast90Days: 1, orderCount: 2, lifetimeValue: 150, daysSinceLastOrder: 80, lastOrderAt: iso(WRITTEN - 80 * DAY) });
    const later = customerView(profile, config, WRITTEN + 20 * DAY);
    expect(later.computed).toMatchObject({ ordersLast90Days: 0, orderCount: 2, daysSinceLastOrder: 100 });
    expect(later.asOf).toBe(iso(WRITTEN + 20 * DAY));
  });

  it('has the built-in counters, traits as values, segments, scores, channels and times', async () => {
    const profile = await profileOf(config, EVENTS);
    const view = customerView(profile, config, WRITTEN);
    expect(view.computed).toMatchObject({ eventCount: 5, firstSeen: iso(WRITTEN - 200 * DAY), lastSeen: iso(WRITTEN - DAY), totalRevenue: 150 });
    expect(view.traits).toEqual({ email: 'ana@example.org', timezone: 'Europe/Paris' });
    expect(view.identifiers).toEqual({ userId: ['u-1'], email: ['ana@example.org'] });
    expect(view.segments).toEqual({ likelyToChurn: iso(WRITTEN) });
    expect(view.scores).toEqual({
      churn: { score: 0.81, modelVersion: 'churn-1', algorithm: 'random-forest', scoredAt: iso(WRITTEN - DAY), topFeatures: [{ feature: 'daysSinceLastOrder', weight: 0.3, value: 80 }] },
    });
    expect(view.channels).toEqual({ web: 5 });
    expect(view.profileId).toBe('p-1');
    expect(view.createdAt).toBe(profile.createdAt);
  });

  it('gives every configured purpose a status: decided ones as decided, the others in their default', async () => {
    const view = customerView(await profileOf(config, EVENTS), config, WRITTEN);
    expect(view.consent).toEqual({
      analytics: 'granted',
      personalization: 'denied',
      marketing_email: 'granted',
      marketing_sms: 'denied',
      marketing_push: 'denied',
      advertising: 'denied',
      data_sharing: 'denied',
    });
  });

  it('lets a computed trait from config named like a built-in counter win', async () => {
    const custom = parseConfig({
      unification: { computedTraits: { orderCount: { op: 'count', event: 'Order Completed', window: '90d' } }, segments: { recent: { rule: { attr: 'computed.orderCount', op: 'gte', value: 1 } } } },
      activation: { recommendations: { userAttributes: [] } },
    });
    const view = customerView(await profileOf(custom, EVENTS), custom, WRITTEN);
    expect(view.computed.orderCount).toBe(1);
    expect(view.computed.eventCount).toBe(5);
    expect(view.computed).not.toHaveProperty('ordersLast90Days');
  });

  it('reads a redefined orderCount the way segments do: view, segment and record agree', async () => {
    const custom = parseConfig({
      unification: {
        computedTraits: { orderCount: { op: 'count', event: 'Order Completed', where: { status: 'paid' } } },
        segments: { repeatPaid: { rule: { attr: 'computed.orderCount', op: 'gte', value: 2 } }, anyPaid: { rule: { attr: 'computed.orderCount', op: 'gte', value: 1 } } },
      },
      activation: { recommendations: { userAttributes: [] } },
    });
    const paid = (messageId: string, at: number, status: string) => ({ ...order(messageId, at, 10), properties: { revenue: 10, status } });
    const profile = await profileOf(custom, [paid('p1', WRITTEN - 3 * DAY, 'paid'), paid('p2', WRITTEN - 2 * DAY, 'refunded'), paid('p3', WRITTEN - DAY, 'pending')]);
    const view = customerView(profile, custom, WRITTEN);
    expect(view.computed.orderCount).toBe(1);
    // The stored counter still counts every order; the redefinition keeps its own state.
    expect(profile.computed.orderCount).toBe(3);
    expect(Object.keys(profile.aggregates ?? {})).toEqual(['orderCount']);
    expect(Object.keys(view.segments)).toEqual(['anyPaid']);
    expect(customerRecordReader(custom)(profile, WRITTEN).computed.orderCount).toBe(1);
  });

  it('serves lifetimeValue and totalRevenue from the one stored counter', async () => {
    const profile = await profileOf(config, EVENTS);
    const view = customerView(profile, config, WRITTEN);
    expect(view.computed.lifetimeValue).toBe(150);
    expect(view.computed.totalRevenue).toBe(150);
    expect(profile.aggregates ?? {}).not.toHaveProperty('lifetimeValue');
    expect(profile.aggregates ?? {}).not.toHaveProperty('totalRevenue');
    expect(profile.aggregates ?? {}).not.toHaveProperty('orderCount');
  });

  it('does not share its arrays and objects with the stored profile', async () => {
    const profile = await profileOf(config, EVENTS);
    const view = customerView(profile, config, WRITTEN);
    (view.identifiers.userId as string[]).push('x');
    (view.channels as Record<string, number>).web = 0;
    expect(profile.identifiers.userId).toEqual(['u-1']);
    expect(profile.channels.web).toBe(5);
  });
});
