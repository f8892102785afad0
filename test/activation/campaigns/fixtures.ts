/** A config with campaigns for every trigger and channel, and the in-memory ports the tests run the use case over. */
import { parseConfig, type C360Config } from '../../../lambda/config';
import type { CampaignDeps } from '../../../lambda/activation/usecases/campaigns';
import { MemoryContacts, MemoryDeferred, MemoryLedger, MemoryViews, RecordingDeliverer, viewOf } from '../../../bench/campaigns';

export { viewOf };

export function testConfig(messaging: Record<string, unknown> = {}, extraCampaigns: Record<string, unknown> = {}): C360Config {
  return parseConfig({
    activation: {
      messaging: { globalControlPercent: 0, ...messaging },
      campaigns: {
        winBack: {
          trigger: { segmentEntered: 'lapsedCustomers' },
          channel: 'email',
          template: { subject: 'We miss you, {{ profile.traits.firstName | default: "there" }}', html: '<p>Hi {{ profile.traits.firstName }}</p><a href="{{ unsubscribeUrl }}">u</a>' },
        },
        goodbye: { trigger: { segmentExited: 'highValue' }, channel: 'email', template: { subject: 'Bye', html: '<p>bye</p>' } },
        vipText: { trigger: { segmentEntered: 'highValue' }, channel: 'sms', template: { text: 'Thanks {{ profile.traits.firstName | default: "friend" }}' } },
        receipt: {
          trigger: { event: 'Order Completed' },
          channel: 'email',
          transactional: true,
          template: { subject: 'Order {{ event.properties.orderId }}', html: '<p>Total {{ event.properties.total }}</p>' },
        },
        cartPush: { trigger: { event: 'Product Added' }, channel: 'push', template: { title: 'Cart', text: '{{ event.properties.name | default: "Your item" }} is waiting' } },
        weekly: {
          trigger: { schedule: 'cron(0 9 ? * MON *)', segment: 'recentBuyers' },
          channel: 'email',
          template: { subject: 'Picks', html: '<ul>{% for item in recommendations %}<li>{{ item.itemId }}</li>{% endfor %}</ul>' },
        },
        ...extraCampaigns,
      },
    },
  });
}

export interface TestPorts {
  readonly views: MemoryViews;
  readonly ledger: MemoryLedger;
  readonly deferred: MemoryDeferred;
  readonly contacts: MemoryContacts;
  readonly email: RecordingDeliverer;
  readonly sms: RecordingDeliverer;
  readonly push: RecordingDeliverer;
  readonly observed: import('../../../lambda/activation/contracts/messages').MessageRecord[];
  readonly clock: { now: number };
  readonly deps: CampaignDeps;
}

export function testPorts(config: C360Config, startMs: number, extra: Partial<CampaignDeps> = {}): TestPorts {
  const views = new MemoryViews();
  const ledger = new MemoryLedger();
  const deferred = new MemoryDeferred();
  const contacts = new MemoryContacts();
  const email = new RecordingDeliverer('email');
  const sms = new RecordingDeliverer('sms');
  const push = new RecordingDeliverer('push');
  const observed: TestPorts['observed'] = [];
  const clock = { now: startMs };
  const deps: CampaignDeps = {
    config,
    views,
    ledger,
    deferred,
    contacts,
    deliverers: { email, sms, push },
    observe: { recorded: async (r) => void observed.push(r) },
    clock: () => clock.now,
    ...extra,
  };
  return { views, ledger, deferred, contacts, email, sms, push, observed, clock, deps };
}

/** A customer who granted every marketing purpose and has every address. */
export function customer(profileId: string, parts: Parameters<typeof viewOf>[1] = {}) {
  return viewOf(profileId, {
    identifiers: { userId: [`u-${profileId}`], email: [`${profileId}@example.com`], phone: ['+15551234567'], deviceToken: [`token-${profileId}-0123456789`] },
    traits: { firstName: 'Ada' },
    consent: { marketing_email: 'granted', marketing_sms: 'granted', marketing_push: 'granted', personalization: 'granted' },
    segments: { lapsedCustomers: '2026-11-30T10:00:00.000Z', highValue: '2026-11-29T10:00:00.000Z', recentBuyers: '2026-11-20T10:00:00.000Z' },
    ...parts,
  });
}
