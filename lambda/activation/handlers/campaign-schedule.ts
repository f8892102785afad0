/**
 * Scheduled campaign work, independent of where it runs: the Lambda entry
 * (functions/campaign-schedule.ts, invoked by EventBridge Scheduler) and the
 * local runtime's timers build it with their own adapters.
 *
 *   { campaign: NAME, scheduledAt: ISO }   a scheduled campaign's run: every member of its segment
 *                                          (paged), occurrence = scheduledAt, so a run invoked twice
 *                                          sends each member once
 *   { sweep: 'deferred' }                  the deferred sends now due (quiet hours ended)
 *
 * An invocation that is neither is an error naming what is wrong.
 */
import * as z from 'zod/mini';
import { describeIssues } from '../../shared/events';
import type { SegmentMembers } from '../ports';
import { broadcast, sendDue, type BroadcastOptions, type BroadcastOutcome, type CampaignDeps, type SweepOutcome } from '../usecases/campaigns';

const invocation = z.union([
  z.strictObject({
    campaign: z.string().check(z.minLength(1)),
    scheduledAt: z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 time')),
  }),
  z.strictObject({ sweep: z.literal('deferred'), limit: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(10_000))) }),
]);
export type ScheduleInvocation = z.output<typeof invocation>;

export type ScheduleOutcome = ({ readonly kind: 'broadcast' } & BroadcastOutcome) | ({ readonly kind: 'sweep' } & SweepOutcome);

export interface ScheduleHandlerDeps extends CampaignDeps {
  readonly members: SegmentMembers;
  readonly broadcast?: BroadcastOptions;
  /** Deferred sends handled per sweep invocation (default 500). */
  readonly sweepLimit?: number;
  readonly observeOutcome?: (outcome: ScheduleOutcome) => void;
}

export function parseScheduleInvocation(event: unknown): ScheduleInvocation {
  const parsed = invocation.safeParse(event);
  if (!parsed.success) {
    throw new Error(`a campaign schedule invocation is { campaign, scheduledAt } or { sweep: 'deferred' }: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

export function createCampaignScheduleHandler(deps: ScheduleHandlerDeps) {
  return async (event: unknown): Promise<ScheduleOutcome> => {
    const call = parseScheduleInvocation(event);
    let outcome: ScheduleOutcome;
    if ('sweep' in call) {
      const limit = call.limit ?? deps.sweepLimit ?? 500;
      outcome = { kind: 'sweep', ...(await sendDue((deps.clock ?? Date.now)(), deps, limit)) };
    } else {
      outcome = { kind: 'broadcast', ...(await broadcast(call.campaign, call.scheduledAt, deps.members, deps, deps.broadcast)) };
    }
    deps.observeOutcome?.(outcome);
    return outcome;
  };
}
