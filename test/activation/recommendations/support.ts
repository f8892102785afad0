/** In-memory stand-ins for the recommendation tests: the customer view, the interaction store, the catalog, documents. */
import type { CatalogItem, Interaction } from '../../../lambda/activation/contracts/recommendations';
import type { CustomerView, CustomerViewReader, DocumentStore, InteractionStore, ItemCatalog } from '../../../lambda/activation/ports';

export function view(profileId: string, consent: Record<string, 'granted' | 'denied'> = { personalization: 'granted' }): CustomerView {
  return {
    profileId,
    identifiers: {},
    traits: {},
    computed: {},
    segments: {},
    consent,
    scores: {},
    channels: {},
    enriched: {},
    createdAt: '2026-10-01T00:00:00.000Z',
    updatedAt: '2026-10-01T00:00:00.000Z',
    asOf: '2026-11-01T00:00:00.000Z',
  };
}

/** Profiles by id (a merged-away id maps to its survivor's view) and identifier owners by `type:value`. */
export class FakeViews implements CustomerViewReader {
  readonly views = new Map<string, CustomerView>();
  readonly owners = new Map<string, string>();
  lookups = 0;

  add(v: CustomerView, identifiers: Array<[string, string]> = []): this {
    this.views.set(v.profileId, v);
    for (const [type, value] of identifiers) this.owners.set(`${type}:${value}`, v.profileId);
    return this;
  }

  async get(profileId: string): Promise<CustomerView | undefined> {
    return this.views.get(profileId);
  }

  async ownerOf(type: string, value: string): Promise<string | undefined> {
    this.lookups++;
    return this.owners.get(`${type}:${value}`);
  }
}

export class MemoryInteractions implements InteractionStore {
  readonly items = new Map<string, Interaction>();
  failNext: Error | undefined;

  async put(interactions: readonly Interaction[]): Promise<void> {
    if (this.failNext !== undefined) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    for (const i of interactions) this.items.set(`${i.profileId}|${i.at}|${i.itemId}|${i.eventType}`, i);
  }

  async recent(profileId: string, limit: number): Promise<Interaction[]> {
    return [...this.items.values()].filter((i) => i.profileId === profileId).sort((a, b) => b.at - a.at).slice(0, limit);
  }

  async *scan(): AsyncIterable<Interaction> {
    yield* this.items.values();
  }
}

export class MemoryCatalog implements ItemCatalog {
  readonly items = new Map<string, CatalogItem>();
  async put(items: readonly CatalogItem[]): Promise<void> {
    for (const i of items) this.items.set(i.itemId, i);
  }
  async get(itemIds: readonly string[]): Promise<Map<string, CatalogItem>> {
    return new Map(itemIds.flatMap((id) => (this.items.has(id) ? [[id, this.items.get(id) as CatalogItem] as const] : [])));
  }
}

export class MemoryDocuments implements DocumentStore {
  readonly docs = new Map<string, unknown>();
  async get<T>(key: string): Promise<T | undefined> {
    const v = this.docs.get(key);
    return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as T);
  }
  async put(key: string, value: unknown): Promise<void> {
    this.docs.set(key, JSON.parse(JSON.stringify(value)));
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.docs.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

const DAY = 24 * 3600 * 1000;
export const NOW = Date.UTC(2026, 10, 1);

/** An interaction `daysAgo` before NOW. */
export function interaction(profileId: string, itemId: string, eventType = 'Purchase', daysAgo = 1): Interaction {
  const at = NOW - daysAgo * DAY;
  return { profileId, itemId, eventType, at, messageId: `${profileId}-${itemId}-${eventType}-${at}#0`, sessionId: profileId };
}
