/**
 * Activation end to end on the local runtime: a customer who lapses enters
 * `lapsedCustomers`, the segment event reaches the win-back campaign through
 * the local bus, and the outbox holds exactly one email with their name; a
 * customer without marketing consent gets none, one in the campaign's
 * holdout gets none, both recorded with the rule that stopped them; a
 * simulated open comes back as an event on the profile; recommendations
 * answer saying which engine did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignSalt, inControlGroup } from '../../lambda/activation/core/campaigns/control';
import type { LocalRuntime } from '../../lambda/local/runtime';
import { payloadOf, sendPayloads } from '../../lambda/local/send';
import { getJson, streamEvents, testRuntime } from '../support/runtime';

const DAY = 86_400_000;
const HOLDOUT = 50;

describe('activation on the local runtime', () => {
  let runtime: LocalRuntime;
  const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

  const send = async (events: object[]) => {
    await sendPayloads(runtime.kinesis, runtime.streamName, events.map((e) => payloadOf(JSON.stringify(e))));
    await runtime.poller?.drain();
    for (const p of runtime.activationPollers) await p.drain();
    await runtime.activation.settled();
  };

  /** A customer who ordered once, 120 days ago: the order puts them straight into lapsedCustomers. */
  const lapsedCustomer = (userId: string, firstName: string, consent: boolean | undefined) => [
    { type: 'identify', messageId: `${userId}-id`, userId, timestamp: ago(130), traits: { firstName, email: `${userId}@example.com`, timezone: 'Europe/Paris' } },
    ...(consent === undefined
      ? []
      : [{ type: 'track', event: 'Segment Consent Preference Updated', messageId: `${userId}-consent`, userId, timestamp: ago(125), properties: {}, context: { consent: { categoryPreferences: { marketing_email: consent } } } }]),
    { type: 'track', event: 'Order Completed', messageId: `${userId}-order`, userId, timestamp: ago(120), properties: { order_id: `${userId}-o1`, revenue: 42, products: [{ product_id: 'SKU-1', price: 42 }] } },
  ];

  const profileOf = async (userId: string) => {
    const { status, body } = await getJson(`${runtime.apiUrl}/profiles?userId=${userId}`);
    expect(status).toBe(200);
    return body as { profileId: string; computed: { eventCount: number } };
  };
  const messagesOf = async (profileId: string) =>
    ((await getJson(`${runtime.apiUrl}/activation/outbox?profileId=${profileId}`)).body.messages as Array<{
      id: string;
      campaign: string;
      status: string;
      delivered: boolean;
      content?: { subject?: string; html?: string };
      outcomes: Array<{ rule: string; outcome: string }>;
    }>);

  beforeAll(async () => {
    runtime = await testRuntime({
      activation: {
        messaging: { globalControlPercent: 0 },
        campaigns: {
          winBack: {
            trigger: { segmentEntered: 'lapsedCustomers' },
            channel: 'email',
            holdoutPercent: HOLDOUT,
            template: { subject: 'We miss you, {{ profile.traits.firstName }}', html: '<p>Hi {{ profile.traits.firstName }}, {{ profile.computed.orderCount }} order so far.</p>' },
          },
        },
      },
    });
  }, 60_000);
  afterAll(async () => runtime?.stop());

  it('sends one email with the name rendered to a consenting lapsed customer outside the holdout, and holds back one inside it', async () => {
    // Profile ids are random, so which customer the holdout takes is too: add consenting customers until one of each is seen.
    const seen = { sent: undefined as string | undefined, heldOut: undefined as string | undefined };
    for (let i = 0; i < 40 && (seen.sent === undefined || seen.heldOut === undefined); i++) {
      await send(lapsedCustomer(`lapsed-${i}`, `Ana${i}`, true));
      const profile = await profileOf(`lapsed-${i}`);
      const held = inControlGroup(profile.profileId, HOLDOUT, campaignSalt('winBack'));
      const messages = await messagesOf(profile.profileId);
      expect(messages).toHaveLength(1);
      const [message] = messages;
      if (held) {
        expect(message).toMatchObject({ campaign: 'winBack', status: 'held-out', delivered: false });
        expect(message?.content).toBeUndefined();
        seen.heldOut ??= profile.profileId;
      } else {
        expect(message).toMatchObject({ campaign: 'winBack', status: 'sent', delivered: true });
        expect(message?.content?.subject).toBe(`We miss you, Ana${i}`);
        expect(message?.content?.html).toBe(`<p>Hi Ana${i}, 1 order so far.</p>`);
        expect(message?.outcomes.map((o) => `${o.rule}:${o.outcome}`)).toEqual(['suppression:pass', 'consent:pass', 'control:pass', 'cap:pass', 'quietHours:pass', 'template:pass']);
        seen.sent ??= profile.profileId;
      }
    }
    expect(seen.sent).toBeDefined();
    expect(seen.heldOut).toBeDefined();

    // The segment event delivered again (EventBridge is at least once) sends nothing more.
    const again = await messagesOf(seen.sent as string);
    expect(again.filter((m) => m.delivered)).toHaveLength(1);
  }, 120_000);

  it('sends nothing to a lapsed customer who never granted marketing email, and records why', async () => {
    await send(lapsedCustomer('no-consent', 'Bea', undefined));
    const profile = await profileOf('no-consent');
    const messages = await messagesOf(profile.profileId);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ campaign: 'winBack', status: 'no-consent', delivered: false });
    expect(messages[0]?.outcomes.at(-1)).toMatchObject({ rule: 'consent', outcome: 'no-consent' });
  }, 60_000);

  it('brings a simulated open back onto the profile as an Email Opened event', async () => {
    let sentTo: { profileId: string; eventCount: number; messageId: string } | undefined;
    for (let i = 100; i < 140 && sentTo === undefined; i++) {
      await send(lapsedCustomer(`opener-${i}`, `Cy${i}`, true));
      const profile = await profileOf(`opener-${i}`);
      const sent = (await messagesOf(profile.profileId)).find((m) => m.delivered);
      if (sent !== undefined) sentTo = { profileId: profile.profileId, eventCount: profile.computed.eventCount, messageId: sent.id };
    }
    expect(sentTo).toBeDefined();
    const res = await fetch(`${runtime.apiUrl}/activation/outbox/${sentTo?.messageId}/open`, { method: 'POST' });
    expect(res.status).toBe(202);
    await runtime.poller?.drain();
    const opened = (await streamEvents<{ event?: string; properties?: { campaign?: string } }>(runtime)).filter((e) => e.event === 'Email Opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]?.properties?.campaign).toBe('winBack');
    const after = (await getJson(`${runtime.apiUrl}/profiles/${sentTo?.profileId}`)).body as { computed: { eventCount: number } };
    expect(after.computed.eventCount).toBe((sentTo?.eventCount ?? 0) + 1);
  }, 120_000);

  it('answers recommendations for a profile, saying the built-in recommender answered', async () => {
    const profile = await profileOf('no-consent');
    await runtime.activation.run('recommender');
    const { status, body } = await getJson(`${runtime.apiUrl}/profiles/${profile.profileId}/recommendations?n=3`);
    expect(status).toBe(200);
    expect(String(body.source)).toMatch(/^built-in:/);
    expect((await getJson(`${runtime.apiUrl}/profiles/nobody/recommendations`)).status).toBe(404);
  }, 60_000);
});
