/**
 * Hand-built timelines for the propensity tests: every event placed by a
 * rule on the profile's index (no random numbers), so each test knows the
 * signal it plants.
 */
import type { ActivationConfig } from '../../../../lambda/config/activation';
import type { ProfileTimeline, TimelineEvent } from '../../../../lambda/activation/contracts/propensity';
import type { DocumentStore } from '../../../../lambda/activation/ports';

export const DAY = 86_400_000;
/** Day 0 of the tests' calendar: 2026-01-01T00:00:00Z. */
export const EPOCH = Date.parse('2026-01-01T00:00:00.000Z');
export const day = (d: number) => EPOCH + d * DAY;

export const ORDER = 'Order Completed';

export const SETTINGS: ActivationConfig['propensity'] = {
  enabled: true,
  orderEvent: ORDER,
  churnHorizonDays: 30,
  repurchaseHorizonDays: 30,
  schedule: 'rate(1 day)',
  minimumProfiles: 20,
  topFeatures: 3,
  minimumAucGain: 0.01,
};

export const order = (d: number, revenue = 50, channel = 'web'): TimelineEvent => ({ at: day(d), name: ORDER, revenue, channel });
export const ev = (d: number, name: string, channel = 'web'): TimelineEvent => ({ at: day(d), name, channel });

export function timeline(profileId: string, events: TimelineEvent[], address: ProfileTimeline['address'] = { userId: `u-${profileId}` }): ProfileTimeline {
  return { profileId, address, events: [...events].sort((a, b) => a.at - b.at) };
}

/**
 * Windows of 30 days: C1 = day 300, C2 = day 330, the data ends at day 360
 * (the last profile holds an event there). Each profile is engaged or not
 * in each window independently (bit 0 and bit 1 of its index): an engaged
 * profile clicks three emails in the 30 days before the cutoff and orders
 * 10 days after it; one in five (by index) does the opposite, as noise.
 * Every profile also has an old order whose age varies with its index. So
 * recency at C2 reflects the C1 window's behaviour, which says nothing of
 * the C2 window's: the recency baseline is weak, email clicks are strong.
 */
export function engagementPopulation(n = 400): ProfileTimeline[] {
  const out: ProfileTimeline[] = [];
  for (let i = 0; i < n; i++) {
    const events: TimelineEvent[] = [order(200 - ((i * 37) % 150), 40 + (i % 7) * 10)];
    for (const [k, cutoff] of [300, 330].entries()) {
      const engaged = ((i >> k) & 1) === 1;
      const flipped = (i * 7 + k * 3) % 5 === 0;
      if (engaged) for (const back of [3, 10, 17]) events.push(ev(cutoff - back, 'Email Link Clicked', 'email'));
      if (engaged !== flipped) events.push(order(cutoff + 10));
    }
    out.push(timeline(`p${String(i).padStart(4, '0')}`, events));
  }
  out.push(timeline('p-end', [order(100), ev(360, 'Product Viewed')]));
  return out;
}

/**
 * Recency is everything: a profile that ordered in the 10 days before a
 * cutoff orders again 5 days after it; one whose last order is older never
 * does. The baseline ranks perfectly; no model can beat it.
 */
export function recencyPopulation(n = 200): ProfileTimeline[] {
  const out: ProfileTimeline[] = [];
  for (let i = 0; i < n; i++) {
    const recent = i % 2 === 0;
    const events: TimelineEvent[] = [order(100 + (i % 50))];
    for (const cutoff of [300, 330]) {
      if (recent) {
        events.push(order(cutoff - 2 - (i % 7)));
        events.push(order(cutoff + 5));
      }
      events.push(ev(cutoff - 1 - (i % 13), 'Product Viewed'));
    }
    out.push(timeline(`r${String(i).padStart(4, '0')}`, events));
  }
  out.push(timeline('r-end', [order(100), ev(360, 'Product Viewed')]));
  return out;
}

/** A DocumentStore in memory; values are kept as JSON text, so a test reads back what a real store would. */
export class MemoryDocuments implements DocumentStore {
  readonly docs = new Map<string, string>();
  readonly puts: string[] = [];
  async get<T>(key: string): Promise<T | undefined> {
    const text = this.docs.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
  async put(key: string, value: unknown): Promise<void> {
    this.docs.set(key, JSON.stringify(value));
    this.puts.push(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.docs.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
