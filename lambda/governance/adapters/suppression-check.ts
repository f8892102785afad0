/**
 * The SuppressionCheck every ingest path runs: each event's identifiers are
 * hashed (the list holds keyed hashes only) and looked up, with the answers
 * cached for `maxAgeMs` so that a steady stream of the same people costs no
 * lookup. Deployed the cache lives for at most 30 s (a new erasure is
 * effective within that); locally the runtime clears it right after an
 * erasure.
 */
import type { Identifier } from '../../shared/events';
import type { SubjectHasher, SuppressionCheck, SuppressionList } from '../ports';

/** How long a deployed ingest path trusts a cached answer. */
export const SUPPRESSION_CACHE_MS = 30_000;

/** Cached answers kept at most; past it the cache starts again. */
const MAX_CACHED = 100_000;

export interface CachedSuppressionCheckOptions {
  /** @default SUPPRESSION_CACHE_MS */
  readonly maxAgeMs?: number;
  readonly clock?: () => number;
}

export class CachedSuppressionCheck implements SuppressionCheck {
  private readonly cache = new Map<string, { suppressed: boolean; at: number }>();
  /** Identifier (`type\u0000value`) → its keyed hash: one person's events repeat their identifiers, and an HMAC costs more than a lookup. */
  private readonly hashes = new Map<string, string>();
  private readonly maxAgeMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly list: SuppressionList,
    private readonly hasher: SubjectHasher,
    opts: CachedSuppressionCheckOptions = {},
  ) {
    this.maxAgeMs = opts.maxAgeMs ?? SUPPRESSION_CACHE_MS;
    this.clock = opts.clock ?? Date.now;
  }

  async suppressed(identifierSets: ReadonlyArray<readonly Identifier[]>): Promise<boolean[]> {
    const now = this.clock();
    if (this.hashes.size > MAX_CACHED) this.hashes.clear();
    const hashOf = (id: Identifier) => {
      const key = `${id.type}\u0000${id.value}`;
      let h = this.hashes.get(key);
      if (h === undefined) {
        h = this.hasher.identifier(id);
        this.hashes.set(key, h);
      }
      return h;
    };
    const hashSets = identifierSets.map((ids) => ids.map(hashOf));
    const unknown = new Set<string>();
    for (const hashes of hashSets) {
      for (const h of hashes) {
        const cached = this.cache.get(h);
        if (cached === undefined || now - cached.at >= this.maxAgeMs) unknown.add(h);
      }
    }
    if (unknown.size > 0) {
      const found = await this.list.suppressed([...unknown]);
      if (this.cache.size + unknown.size > MAX_CACHED) this.cache.clear();
      for (const h of unknown) this.cache.set(h, { suppressed: found.has(h), at: now });
    }
    return hashSets.map((hashes) => hashes.some((h) => this.cache.get(h)?.suppressed === true));
  }

  /** Forgets every cached answer: the next check asks the list (called after an erasure or a removal). */
  clear(): void {
    this.cache.clear();
  }
}
