/** What keeps groups apart: the identifier limits per type and the separations an unmerge left. */
import type { Identifier } from '../../../shared/events';
import type { Group } from './groups';
import type { IdentityRules } from './identity-rules';

/** A limit a join would break: one profile would hold `count` values of `type`, over `limit`. */
export interface LimitBreak {
  readonly type: string;
  readonly count: number;
  readonly limit: number;
}

/** The first limit that joining `other` into `g` would break. */
export function limitBrokenByJoining<E>(rules: IdentityRules, g: Group<E>, other: Group<E>): LimitBreak | undefined {
  const mine = g.heldValues();
  for (const [type, values] of other.heldValues()) {
    const limit = rules.limit(type);
    if (!Number.isFinite(limit)) continue;
    const held = mine.get(type);
    let count = held?.size ?? 0;
    for (const v of values) if (!held?.has(v)) count++;
    if (count > limit) return { type, count, limit };
  }
  return undefined;
}

/** The limit that one more identifier would break (no allocation: this runs for most events). */
export function limitBrokenByAdding<E>(rules: IdentityRules, g: Group<E>, id: Identifier): LimitBreak | undefined {
  const limit = rules.limit(id.type);
  const held = g.heldValues().get(id.type);
  const count = (held?.size ?? 0) + (held?.has(id.value) ? 0 : 1);
  return count > limit ? { type: id.type, count, limit } : undefined;
}

/** The profile of `b` that an unmerge separated from one of `a`'s (or the reverse). */
export function separatedBy<E>(a: Group<E>, b: Group<E>): string | undefined {
  if (a.separated.size === 0 && b.separated.size === 0) return undefined;
  for (const id of b.real) if (a.separated.has(id)) return id;
  for (const id of a.real) if (b.separated.has(id)) return id;
  return undefined;
}
