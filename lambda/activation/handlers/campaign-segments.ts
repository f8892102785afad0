/**
 * Segment-triggered campaigns: the target of the segment bus's rule
 * (source `c360.segments`, detail-type `Segment Entered` | `Segment
 * Exited`, detail the SegmentChange), independent of where it runs: the
 * Lambda entry (functions/campaign-segments.ts) and the local bus's
 * subscriber build it with their own adapters.
 *
 * Publication is at least once and a retried batch republishes a change
 * with a later `at`: an entry's occurrence is therefore the entry time the
 * profile holds for the segment, the same on every republication; an
 * exit's is the hour of the change (usecases/campaigns.ts). An event that
 * is not a segment change is an error naming what is wrong (EventBridge's
 * retries then the target's dead-letter queue keep it); an error while
 * deciding is thrown too, and the retry is safe (the ledger's claim).
 */
import * as z from 'zod/mini';
import { describeIssues } from '../../shared/events';
import type { SegmentChange } from '../../unification/ports';
import { countResults, handleSegmentChange, type CampaignDeps, type ResultCounts } from '../usecases/campaigns';

/** The fields of the EventBridge event a rule target receives that matter here (the local bus delivers the same). */
export interface SegmentEvent {
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly detail: unknown;
}

const DETAIL_TYPES = { 'Segment Entered': 'entered', 'Segment Exited': 'exited' } as const;

const changeSchema = z.looseObject({
  segment: z.string().check(z.minLength(1)),
  profileId: z.string().check(z.minLength(1)),
  change: z.enum(['entered', 'exited']),
  at: z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 time')),
  reason: z.optional(z.string()),
});

/** The change an event carries; throws with the reason when it carries none. */
export function segmentChangeOf(event: SegmentEvent): SegmentChange {
  if (event.source !== undefined && event.source !== 'c360.segments') throw new Error(`not a segment event: source ${JSON.stringify(event.source)}`);
  const parsed = changeSchema.safeParse(event.detail);
  if (!parsed.success) throw new Error(`segment event detail is not a segment change: ${describeIssues(parsed.error)}`);
  const type = event['detail-type'];
  if (type !== undefined) {
    const expected = DETAIL_TYPES[type as keyof typeof DETAIL_TYPES];
    if (expected === undefined) throw new Error(`not a segment event: detail-type ${JSON.stringify(type)}`);
    if (expected !== parsed.data.change) throw new Error(`detail-type ${type} does not match the change ${parsed.data.change}`);
  }
  const { segment, profileId, change, at, reason } = parsed.data;
  return { segment, profileId, change, at, ...(reason === undefined ? {} : { reason }) };
}

export interface SegmentCampaignOutcome {
  readonly segment: string;
  readonly change: 'entered' | 'exited';
  readonly campaigns: number;
  readonly counts: ResultCounts;
}

export interface SegmentCampaignHandlerDeps extends CampaignDeps {
  /** Told the outcome of every event (counts only: logs and metrics). */
  readonly observeOutcome?: (outcome: SegmentCampaignOutcome) => void;
}

export function createSegmentCampaignHandler(deps: SegmentCampaignHandlerDeps) {
  return async (event: SegmentEvent): Promise<SegmentCampaignOutcome> => {
    const change = segmentChangeOf(event);
    const results = await handleSegmentChange(change, deps);
    const outcome: SegmentCampaignOutcome = { segment: change.segment, change: change.change, campaigns: results.length, counts: countResults(results) };
    deps.observeOutcome?.(outcome);
    return outcome;
  };
}
