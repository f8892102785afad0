/**
 * Deterministic identity resolution for one batch of events, as a pure plan:
 * given the events, who currently owns each identifier and the profiles
 * involved, decide which profiles the events belong to, which profiles merge,
 * and exactly which conditional writes make it so.
 *
 * Writes are optimistic (conditional on each profile's version and each
 * identifier's owner); a conflict sends the component back to be re-read and
 * re-planned. The plan is crash-safe when written in this order (see
 * usecases/unify-batch.ts): mark merged-away profiles and claim new
 * identifiers; write the survivor; repoint the merged-away identifiers. A
 * crash in between leaves marks and claims that the next plan completes (a
 * marked profile its survivor has not absorbed is `pending`; an identifier
 * owned by a profile that was never written points at a `ghost`), so the
 * outcome is the same as if nothing had failed.
 *
 * The steps, each in its own module: groups.ts places owners in groups
 * through their merge pointers; linking.ts joins groups by match group and
 * by the identifiers events share, within constraints.ts's limits and
 * unmerge separations; component.ts plans each resulting group's writes.
 */
import type { UnifyEvent } from '../../../shared/events';
import { planComponent, type BatchContext } from './component';
import { Groups } from './groups';
import { linkEvents, linkMatchGroups } from './linking';
import type { ComponentPlan, PlanInput } from './plan-types';

/**
 * Groups the batch's events and the profiles they reach into components, then
 * plans each component's writes. Events and match groups that would take a
 * profile over the size budget (core/profile/size-budget.ts) are left out,
 * each reported with the reason (onOversize, onRejectedMatch), and the batch
 * is planned again without them: every plan returned fits.
 */
export function planBatch<E extends UnifyEvent>(input: PlanInput<E>): ComponentPlan<E>[] {
  const leftOut = new Map<E, string>();
  const rejectedLinks = new Map<string, string>();
  let events = input.events;
  let links = input.links ?? [];
  const report = (plans: ComponentPlan<E>[]) => {
    for (const [event, reason] of leftOut) input.onOversize?.(event, reason);
    for (const link of input.links ?? []) {
      const reason = rejectedLinks.get(link.matchId);
      if (reason !== undefined) for (const profileId of link.profileIds) input.onRejectedMatch?.({ matchId: link.matchId, profileId, reason });
    }
    return plans.filter((p) => p.oversize === undefined);
  };
  for (;;) {
    const plans = planOnce({ ...input, events, links });
    const over = plans.flatMap((p) => (p.oversize === undefined ? [] : [p.oversize]));
    if (over.length === 0) return report(plans);
    // Each round leaves out at least one event or match group, so the loop ends; a component
    // with nothing left to leave out (its merges were resumed, not caused here) is not written.
    const before = leftOut.size + rejectedLinks.size;
    for (const o of over) {
      for (const { event, reason } of o.events) leftOut.set(event, reason);
      for (const { matchId, reason } of o.matchIds) rejectedLinks.set(matchId, reason);
    }
    if (leftOut.size + rejectedLinks.size === before) return report(plans);
    events = events.filter((e) => !leftOut.has(e));
    links = links.filter((l) => !rejectedLinks.has(l.matchId));
  }
}

function planOnce<E extends UnifyEvent>(input: PlanInput<E>): ComponentPlan<E>[] {
  // Owners join the groups as linking reaches them, resolved through their merge pointers;
  // the order groups are made in is the order of the plans (and of new profile ids).
  const groups = new Groups<E>(input.owners, input.profiles);
  // 1. Match groups join whole profiles, before any event is placed.
  linkMatchGroups(groups, input);
  // 2. Each event, in event-time order, joins the groups of its identifiers unless a limit or an unmerge forbids it.
  const rejectedByEvent = linkEvents(groups, input);
  // 3. Each group left is one component: one survivor, and the writes that make it.
  const batch: BatchContext<E> = {
    input,
    now: new Date(input.nowMs).toISOString(),
    nowSeconds: Math.floor(input.nowMs / 1000),
    rejectedByEvent,
  };
  return groups.components().map((g) => planComponent(g, batch));
}
