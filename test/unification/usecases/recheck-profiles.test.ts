import { describe, expect, it } from 'vitest';
import type { ProfileStore } from '../../../lambda/unification/ports';
import { recheckProfiles } from '../../../lambda/unification/usecases/recheck-profiles';
import { settings } from '../../support/events';

/** A store with an endless supply of due profiles that no longer exist: every page is read, none written. */
function endlessDue(): { store: ProfileStore; pages: () => number } {
  let pages = 0;
  const store = {
    dueForRecheck: async (_now: number, limit: number) => {
      pages++;
      return Array.from({ length: limit }, (_, i) => `p-${pages}-${i}`);
    },
    getProfiles: async () => new Map(),
    putProfiles: async () => [],
  } as unknown as ProfileStore;
  return { store, pages: () => pages };
}

describe('recheckProfiles paging', () => {
  it('reads only the pages that fit in the time left, keeping 20 s spare at 200 ms a page', async () => {
    const { store, pages } = endlessDue();
    let asked = 0;
    await recheckProfiles({ store, settings, pageSize: 2, remainingMs: () => (asked++, 20_000 + 3 * 200 + 199) });
    expect(pages()).toBe(3);
    expect(asked).toBe(1);
  });

  it('reads one page even when less than the spare time is left', async () => {
    const { store, pages } = endlessDue();
    await recheckProfiles({ store, settings, pageSize: 2, remainingMs: () => 5_000 });
    expect(pages()).toBe(1);
  });

  it('reads at most 1000 pages without a time bound', async () => {
    const { store, pages } = endlessDue();
    await recheckProfiles({ store, settings, pageSize: 1 });
    expect(pages()).toBe(1000);
  });
});
