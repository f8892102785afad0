/**
 * The segment re-check: re-evaluates the profiles whose segments or windowed
 * traits time alone changes, on demand and every recheckMinutes (deployed, a
 * schedule invokes it).
 */
import type { ProfileStore } from '../unification/ports';
import { recheckProfiles, type RecheckOutcome } from '../unification/usecases/recheck-profiles';
import type { UnifySettings } from '../unification/usecases/unify-batch';

export type Recheck = (clock?: () => number) => Promise<RecheckOutcome>;

export function recheckJob(store: ProfileStore, settings: UnifySettings): Recheck {
  return (clock) => recheckProfiles({ store, settings, ...(clock === undefined ? {} : { clock }) });
}

/** Runs `recheck` every `minutes` without keeping the process alive; the returned function stops it. */
export function scheduleRecheck(recheck: Recheck, minutes: number): () => void {
  const timer = setInterval(() => {
    recheck().catch((err: Error) => console.error(`c360: the segment re-check failed: ${err.message}`));
  }, minutes * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
