/**
 * How groups join: the profiles of a match group, and the identifiers each
 * event carries, unless the join would break a limit or undo an unmerge.
 */
import type { Identifier, RejectedIdentifier, UnifyEvent } from '../../../shared/events';
import { limitBrokenByAdding, limitBrokenByJoining, separatedBy } from './constraints';
import type { Group, Groups } from './groups';
import type { IdentityRules } from './identity-rules';
import { idKey } from './keys';
import type { PlanInput } from './plan-types';

/** Joins the profiles of each match group, in profile id order; tells `onRejectedMatch` of each one left out. */
export function linkMatchGroups<E extends UnifyEvent>(groups: Groups<E>, input: PlanInput<E>): void {
  const { profiles, rules } = input;
  for (const link of input.links ?? []) {
    let current: Group<E> | undefined;
    let first: string | undefined;
    for (const profileId of [...new Set(link.profileIds)].sort()) {
      const reject = (reason: string) => input.onRejectedMatch?.({ matchId: link.matchId, profileId, reason });
      if (!profiles.has(profileId)) {
        reject('no such profile');
        continue;
      }
      const g = groups.ofProfile(profileId).find();
      if (current === undefined) {
        current = g;
        first = profileId;
        continue;
      }
      current = current.find();
      if (g === current) continue;
      const apart = separatedBy(current, g);
      if (apart !== undefined) {
        reject(`an unmerge separated ${apart} from this match group's other profiles`);
        continue;
      }
      const over = limitBrokenByJoining(rules, current, g);
      if (over !== undefined) {
        reject(`merging would give one profile ${over.count} ${over.type} values, over the limit of ${over.limit}`);
        continue;
      }
      current.evidence.push({
        matchId: link.matchId,
        ...(link.rule === undefined ? {} : { matchRule: link.rule }),
        sides: [
          { real: [...current.real], key: `profile#${first as string}` },
          { real: [...g.real], key: `profile#${profileId}` },
        ],
      });
      current = groups.union(current, g);
    }
  }
}

/**
 * Places every event, in event-time order, in the group its identifiers
 * link it to, joining the groups they belong to. Returns the identifiers
 * each event carried that were not linked (and why), by messageId.
 */
export function linkEvents<E extends UnifyEvent>(groups: Groups<E>, input: PlanInput<E>): Map<string, RejectedIdentifier[]> {
  const rejectedByEvent = new Map<string, RejectedIdentifier[]>();
  for (const event of [...input.events].sort(byEventTime)) {
    const ids = identifiersToLink(event, input, groups);
    const { target, rejected } = linkEvent(groups, input.rules, event, ids);
    target.events.push(event);
    if (rejected.length > 0) rejectedByEvent.set(event.messageId, rejected);
  }
  return rejectedByEvent;
}

function byEventTime(x: UnifyEvent, y: UnifyEvent): number {
  return x.ts - y.ts || (x.messageId < y.messageId ? -1 : x.messageId > y.messageId ? 1 : 0);
}

/**
 * The event's identifiers, its previous id included (under the id type that
 * already knows it, else the rules' anonymous type), highest priority first:
 * when a link would break a limit, the identifier left out is the lower-priority one.
 */
function identifiersToLink<E extends UnifyEvent>(event: E, input: PlanInput<E>, groups: Groups<E>): Identifier[] {
  const { owners, rules } = input;
  const ids: Identifier[] = [...event.identifiers];
  if (event.previousId !== undefined) {
    const candidates = ['userId', 'anonymousId'].map((type) => ({ type, value: event.previousId as string }));
    const owned = candidates.find((c) => owners.has(idKey(c.type, c.value)) || groups.placed(idKey(c.type, c.value)));
    const fallbackType = rules.identifiers.includes('anonymousId') ? 'anonymousId' : 'userId';
    ids.push(owned ?? { type: fallbackType, value: event.previousId });
  }
  ids.sort((a, b) => rules.priority(a.type) - rules.priority(b.type) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return ids;
}

/**
 * Links one event's identifiers, in order: the first decides the group; each
 * next one joins its group in, or is claimed by it when no one owns it,
 * unless that breaks a limit or an unmerge's separation.
 */
function linkEvent<E extends UnifyEvent>(
  groups: Groups<E>,
  rules: IdentityRules,
  event: E,
  ids: readonly Identifier[],
): { target: Group<E>; rejected: RejectedIdentifier[] } {
  let current: Group<E> | undefined;
  const rejected: RejectedIdentifier[] = [];
  const accepted: string[] = [];
  for (const id of ids) {
    const key = idKey(id.type, id.value);
    const g = groups.ofKey(key);
    if (current === undefined) {
      current = g ?? groups.create();
      if (g === undefined) groups.claim(current, key, id);
      accepted.push(key);
      continue;
    }
    current = current.find();
    if (g === current) {
      accepted.push(key);
      continue;
    }
    if (g === undefined) {
      const over = limitBrokenByAdding(rules, current, id);
      if (over !== undefined) {
        rejected.push({ ...id, reason: `the profile already holds ${over.limit} ${over.type} value(s), the limit` });
        continue;
      }
      groups.claim(current, key, id);
      accepted.push(key);
      continue;
    }
    const apart = separatedBy(current, g);
    if (apart !== undefined) {
      rejected.push({ ...id, reason: `it belongs to a profile an unmerge separated from this one (${apart})` });
      continue;
    }
    const over = limitBrokenByJoining(rules, current, g);
    if (over !== undefined) {
      rejected.push({
        ...id,
        reason: `it belongs to another profile; linking would give one profile ${over.count} ${over.type} values, over the limit of ${over.limit}`,
      });
      continue;
    }
    if (current.real.size > 0 && g.real.size > 0) {
      current.evidence.push({
        messageId: event.messageId,
        sides: [
          { real: [...current.real], key: accepted[0] as string },
          { real: [...g.real], key },
        ],
      });
    }
    current = groups.union(current, g);
    current.keys.add(key);
    accepted.push(key);
  }
  return { target: (current ?? groups.create()).find(), rejected };
}
