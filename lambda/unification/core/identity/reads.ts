/** What a batch must read before it can be planned: the identifiers' owners, then the profiles they lead to. */
import type { UnifyEvent } from '../../../shared/events';
import type { Profile } from '../profile/profile';
import { idKey } from './keys';

/** Every identifier key the batch needs looked up (alias previous ids under both id types). */
export function keysToLookUp(events: readonly UnifyEvent[]): string[] {
  const keys = new Set<string>();
  for (const e of events) {
    for (const id of e.identifiers) keys.add(idKey(id.type, id.value));
    if (e.previousId !== undefined) {
      keys.add(idKey('userId', e.previousId));
      keys.add(idKey('anonymousId', e.previousId));
    }
  }
  return [...keys];
}

/** Profile ids referred to (by owners or merge pointers) that are neither loaded nor known absent. */
export function profilesToLoad(
  owners: ReadonlyMap<string, string>,
  profiles: ReadonlyMap<string, Profile>,
  absent: ReadonlySet<string>,
): string[] {
  const want = new Set<string>();
  const consider = (id: string) => {
    if (!profiles.has(id) && !absent.has(id)) want.add(id);
  };
  for (const id of owners.values()) consider(id);
  for (const p of profiles.values()) if (p.mergedInto !== undefined) consider(p.mergedInto);
  return [...want];
}
