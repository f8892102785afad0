/**
 * Campaign figures on this machine: decisions per second of the pure
 * decision core (the five send rules over synthetic customers in several
 * time zones), and messages per second of the whole use case (claim,
 * rules, render, deliver, record) over in-memory ports, so the figure is
 * the code's own cost without a store's round trips.
 *
 * The in-memory ports are exported for the campaign tests, which pin the
 * use case's behaviour over the same stand-ins.
 */
import type { C360Config } from '../lambda/config';
import { parseConfig } from '../lambda/config';
import type { Channel } from '../lambda/config/activation';
import type { MessageRecord } from '../lambda/activation/contracts/messages';
import { decide, type DecisionInput } from '../lambda/activation/core/campaigns';
import type { ContactSuppressions, CustomerView, CustomerViewReader, DeferredSends, Deliverer, DeliveryResult, MessageLedger, OutgoingMessage, SegmentMembers } from '../lambda/activation/ports';
import { handleTrigger, type CampaignDeps } from '../lambda/activation/usecases/campaigns';
import { atLeast, type Figure } from './figures';

/** Messages by profile and key, as the DynamoDB ledger keeps them. */
export class MemoryLedger implements MessageLedger {
  /** Profile id → key → record. */
  readonly byProfile = new Map<string, Map<string, MessageRecord>>();

  private of(profileId: string): Map<string, MessageRecord> {
    let m = this.byProfile.get(profileId);
    if (m === undefined) this.byProfile.set(profileId, (m = new Map()));
    return m;
  }
  /** Every record. */
  all(): MessageRecord[] {
    return [...this.byProfile.values()].flatMap((m) => [...m.values()]);
  }
  async claim(record: MessageRecord): Promise<boolean> {
    const m = this.of(record.profileId);
    if (m.has(record.key)) return false;
    m.set(record.key, record);
    return true;
  }
  async update(record: MessageRecord): Promise<void> {
    const m = this.of(record.profileId);
    if (!m.has(record.key)) throw new Error(`message ${record.key} was never claimed`);
    m.set(record.key, record);
  }
  async get(profileId: string, key: string): Promise<MessageRecord | undefined> {
    return this.byProfile.get(profileId)?.get(key);
  }
  async countSent(profileId: string, channel: Channel, sinceLocalDay: string): Promise<number> {
    let n = 0;
    for (const r of this.byProfile.get(profileId)?.values() ?? []) {
      if (r.channel === channel && r.status === 'sent' && !r.transactional && r.localDay >= sinceLocalDay) n++;
    }
    return n;
  }
  async list(profileId: string, limit: number): Promise<MessageRecord[]> {
    return [...(this.byProfile.get(profileId)?.values() ?? [])].sort((a, b) => (a.decidedAt < b.decidedAt ? 1 : -1)).slice(0, limit);
  }
}

export class MemoryDeferred implements DeferredSends {
  readonly queued = new Map<string, MessageRecord>();
  private id = (r: MessageRecord) => `${r.deferredUntil}#${r.profileId}#${r.key}`;
  async defer(record: MessageRecord): Promise<void> {
    this.queued.set(this.id(record), record);
  }
  async due(nowMs: number, limit: number): Promise<MessageRecord[]> {
    return [...this.queued.values()]
      .filter((r) => Date.parse(r.deferredUntil ?? '') <= nowMs)
      .sort((a, b) => ((a.deferredUntil ?? '') < (b.deferredUntil ?? '') ? -1 : 1))
      .slice(0, limit);
  }
  async done(record: MessageRecord): Promise<void> {
    this.queued.delete(this.id(record));
  }
}

export class MemoryViews implements CustomerViewReader {
  readonly views = new Map<string, CustomerView>();
  readonly owners = new Map<string, string>();
  put(view: CustomerView): this {
    this.views.set(view.profileId, view);
    for (const [type, values] of Object.entries(view.identifiers)) for (const v of values) this.owners.set(`${type}:${v}`, view.profileId);
    return this;
  }
  async get(profileId: string): Promise<CustomerView | undefined> {
    return this.views.get(profileId);
  }
  async ownerOf(type: string, value: string): Promise<string | undefined> {
    return this.owners.get(`${type}:${value}`);
  }
}

export class MemoryContacts implements ContactSuppressions {
  readonly reasons = new Map<string, string>();
  async reason(channel: Channel, address: string): Promise<string | undefined> {
    return this.reasons.get(`${channel}:${address}`);
  }
  async add(channel: Channel, address: string, reason: string): Promise<void> {
    this.reasons.set(`${channel}:${address}`, reason);
  }
  async remove(channel: Channel, address: string): Promise<void> {
    this.reasons.delete(`${channel}:${address}`);
  }
}

/** A deliverer that keeps what it was handed (or fails with `fail`). */
export class RecordingDeliverer implements Deliverer {
  readonly sent: OutgoingMessage[] = [];
  fail?: Error;
  constructor(readonly channel: Channel) {}
  async send(message: OutgoingMessage): Promise<DeliveryResult> {
    if (this.fail !== undefined) throw this.fail;
    this.sent.push(message);
    return { providerMessageId: `${this.channel}-${this.sent.length}` };
  }
}

export class MemoryMembers implements SegmentMembers {
  constructor(private readonly bySegment: Readonly<Record<string, readonly string[]>>) {}
  async members(segment: string, limit: number, cursor?: string): Promise<{ profileIds: string[]; next?: string }> {
    const all = this.bySegment[segment] ?? [];
    const from = cursor === undefined ? 0 : Number(cursor);
    const profileIds = all.slice(from, from + limit);
    return from + limit < all.length ? { profileIds, next: String(from + limit) } : { profileIds };
  }
}

/** A customer view with the given parts; the rest empty. */
export function viewOf(profileId: string, parts: Partial<CustomerView> = {}): CustomerView {
  return {
    profileId,
    identifiers: {},
    traits: {},
    computed: {},
    segments: {},
    consent: {},
    scores: {},
    channels: {},
    enriched: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    asOf: '2026-01-01T00:00:00.000Z',
    ...parts,
  };
}

const ZONES = ['UTC', 'America/Los_Angeles', 'America/New_York', 'Europe/Paris', 'Asia/Tokyo', 'Australia/Sydney'];

function syntheticViews(n: number): CustomerView[] {
  return Array.from({ length: n }, (_, i) =>
    viewOf(`p-${i}`, {
      identifiers: { email: [`person${i}@example.com`], phone: [`+1555${String(i).padStart(7, '0')}`], deviceToken: [`token-${i}-abcdefghijkl`] },
      traits: { firstName: `Name${i}`, timezone: ZONES[i % ZONES.length] as string },
      computed: { daysSinceLastOrder: i % 90 },
      segments: { lapsedCustomers: '2026-11-30T10:00:00.000Z' },
      consent: { marketing_email: i % 4 === 0 ? 'denied' : 'granted', marketing_sms: 'granted', marketing_push: 'granted', personalization: 'granted' },
    }),
  );
}

/** Decisions per second of the decision core, and messages per second of the use case over in-memory ports. */
export async function campaignsBench(base?: C360Config, profiles = 20_000): Promise<Figure[]> {
  const config = parseConfig({ ...(base ?? {}), activation: { ...(base?.activation ?? {}), campaigns: {
    winBack: {
      trigger: { segmentEntered: 'lapsedCustomers' },
      channel: 'email',
      template: {
        subject: 'We miss you, {{ profile.traits.firstName | default: "there" }}',
        html: '<p>Hi {{ profile.traits.firstName | default: "there" }},</p><p>It has been {{ profile.computed.daysSinceLastOrder | default: "a while" }} days.</p><p><a href="{{ unsubscribeUrl }}">Unsubscribe</a></p>',
      },
    },
    vipWelcome: { trigger: { segmentEntered: 'lapsedCustomers' }, channel: 'sms', template: { text: 'Thanks, {{ profile.traits.firstName | default: "friend" }}! Reply STOP to opt out.' } },
  } } });
  const views = syntheticViews(profiles);
  const nowMs = Date.parse('2026-12-02T18:30:00.000Z');
  const campaign = config.activation.campaigns.vipWelcome;
  if (campaign === undefined) throw new Error('bench campaign missing');

  // The decision core: five rules, Intl time zone math, two SHA-256 holdout hashes.
  const inputs: DecisionInput[] = views.map((view, i) => ({ campaignName: 'vipWelcome', campaign, view, erased: false, sentInWindow: i % 3, nowMs }));
  for (const input of inputs.slice(0, 1000)) decide(input, config);
  const d0 = performance.now();
  const statuses = new Map<string, number>();
  for (const input of inputs) {
    const s = decide(input, config).status;
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  const decideSeconds = (performance.now() - d0) / 1000;
  const mix = [...statuses].map(([s, n]) => `${s} ${n}`).join(', ');

  // The use case: claim, rule inputs, decision, render, deliver, update, over in-memory ports.
  const memoryViews = new MemoryViews();
  for (const v of views) memoryViews.put(v);
  const ledger = new MemoryLedger();
  const email = new RecordingDeliverer('email');
  const deps: CampaignDeps = {
    config,
    views: memoryViews,
    ledger,
    deferred: new MemoryDeferred(),
    deliverers: { email, sms: new RecordingDeliverer('sms') },
    contacts: new MemoryContacts(),
    unsubscribeUrl: (r) => `https://example.com/unsubscribe?token=${r.profileId}`,
    clock: () => nowMs,
  };
  const occurrence = { kind: 'segmentEntered', occurrence: '2026-11-30T10:00:00.000Z', segment: 'lapsedCustomers' } as const;
  const u0 = performance.now();
  for (const v of views) await handleTrigger('winBack', v.profileId, occurrence, deps);
  const usecaseSeconds = (performance.now() - u0) / 1000;

  const decisionsPerSecond = profiles / decideSeconds;
  const messagesPerSecond = profiles / usecaseSeconds;
  return [
    {
      section: 'campaigns',
      name: 'send decisions per second (pure core)',
      value: decisionsPerSecond,
      unit: 'decisions/s',
      workload: `${profiles} synthetic profiles in ${ZONES.length} time zones, SMS campaign with quiet hours and a cap; ${mix}`,
      ...atLeast(decisionsPerSecond, 10_000),
    },
    {
      section: 'campaigns',
      name: 'campaign messages per second (use case, in-memory ports)',
      value: messagesPerSecond,
      unit: 'messages/s',
      workload: `${profiles} profiles entering a segment, email campaign: claim, suppression/consent/control/cap/quiet hours, Liquid render, delivery, ledger update; ${email.sent.length} sent`,
      ...atLeast(messagesPerSecond, 1_000),
    },
  ];
}
