/**
 * The erasers of one runtime: one per entry of ERASURE_STORES, so that no
 * store c360 writes to is forgotten. A store a deployment does not have
 * (Redshift disabled, no Entity Resolution workflow) is still listed, with an
 * eraser that reports `not-deployed`.
 */
import { ERASURE_STORES, type ErasureStore, type StoreReport } from '../contracts/erasure';
import type { StoreEraser } from '../ports';

/** The stores of ERASURE_STORES that `erasers` leave out. */
export function missingStores(erasers: readonly StoreEraser[]): ErasureStore[] {
  const have = new Set(erasers.map((e) => e.store));
  return ERASURE_STORES.filter((s) => !have.has(s));
}

/** An eraser for a store this deployment does not have. */
export function notDeployed(store: ErasureStore, why: string, clock: () => number = Date.now): StoreEraser {
  return {
    store,
    erase: async (): Promise<StoreReport> => ({
      store,
      method: 'none',
      status: 'not-deployed',
      itemsAffected: 0,
      completedAt: new Date(clock()).toISOString(),
      message: why,
    }),
  };
}

/**
 * The erasers in ERASURE_STORES order, checked: throws when a store has none
 * or two, so a runtime that forgets one fails at start rather than erasing
 * less than it says.
 */
export function eraserRegistry(erasers: readonly StoreEraser[]): StoreEraser[] {
  const missing = missingStores(erasers);
  if (missing.length > 0) throw new Error(`no eraser for ${missing.join(', ')}: every store of ERASURE_STORES needs one (notDeployed() when absent)`);
  const seen = new Set<string>();
  for (const e of erasers) {
    if (seen.has(e.store)) throw new Error(`two erasers for ${e.store}`);
    seen.add(e.store);
  }
  const order = (s: string) => {
    const i = (ERASURE_STORES as readonly string[]).indexOf(s);
    return i < 0 ? ERASURE_STORES.length : i;
  };
  return [...erasers].sort((a, b) => order(a.store) - order(b.store));
}
