/**
 * Event-triggered campaigns: a consumer of the event stream (Kinesis,
 * Segment-spec JSON, plain or KPL-aggregated records), independent of
 * where it runs: the Lambda entry (functions/campaign-events.ts) and the
 * local poller build it with their own adapters.
 *
 * Each track event a campaign names is addressed to the profile owning one
 * of its identifiers (in the configured identifier priority); the
 * occurrence is its messageId. The stream is read beside the unify
 * consumer, so an event may arrive before its profile exists: that record
 * is reported as the batch's first failure (partial batch response) and
 * Lambda retries from it, up to the event source mapping's retries, then
 * hands it to the on-failure destination. Records after it are retried
 * with it; the ledger's claim makes those that were done duplicates.
 *
 * A record that is not a readable event is the unify consumer's to
 * quarantine: here it is counted and passed over.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { parseEvent, type ParseOptions } from '../../shared/events';
import { deaggregate } from '../../shared/kpl';
import { triggerEventNames } from '../core/campaigns';
import { countResults, emptyCounts, handleEvent, type CampaignDeps, type ResultCounts } from '../usecases/campaigns';

export interface EventBatchOutcome {
  readonly records: number;
  /** Payloads read (plain records plus KPL sub-records). */
  readonly payloads: number;
  /** Track events a campaign is triggered by. */
  readonly triggers: number;
  /** Payloads that are not a valid event (the unify consumer quarantines them). */
  readonly unreadable: number;
  /** Trigger events whose profile does not exist yet. */
  readonly waitingForProfile: number;
  readonly counts: ResultCounts;
  /** The record reported as the first failure, if any. */
  readonly failedSequenceNumber?: string;
  readonly error?: unknown;
}

export interface EventCampaignHandlerDeps extends CampaignDeps {
  /** How payloads are parsed (the unify consumer's options, so identifiers normalise the same). */
  readonly parse: Omit<ParseOptions, 'now'>;
  readonly observeOutcome?: (outcome: EventBatchOutcome) => void;
}

export function createEventCampaignHandler(deps: EventCampaignHandlerDeps) {
  const names = triggerEventNames(deps.config);
  return async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const counts = emptyCounts();
    let payloads = 0;
    let triggers = 0;
    let unreadable = 0;
    let waitingForProfile = 0;
    let failure: { sequenceNumber: string; error?: unknown } | undefined;
    if (names.size > 0) {
      const nowMs = (deps.clock ?? Date.now)();
      records: for (const r of event.Records) {
        const data = Buffer.from(r.kinesis.data, 'base64');
        const arrivalMs = Math.round(r.kinesis.approximateArrivalTimestamp * 1000);
        const kpl = deaggregate(data);
        const parts = !kpl.aggregated ? [data] : 'error' in kpl ? [] : kpl.records.map((s) => s.data);
        if (kpl.aggregated && 'error' in kpl) unreadable++;
        for (const part of parts) {
          payloads++;
          const parsed = parseEvent(part, arrivalMs, { ...deps.parse, now: nowMs });
          if (!parsed.ok) {
            unreadable++;
            continue;
          }
          const e = parsed.event;
          if (e.type !== 'track' || e.name === undefined || !names.has(e.name)) continue;
          triggers++;
          try {
            const result = await handleEvent(e, deps);
            if (result.kind === 'no-profile') {
              waitingForProfile++;
              failure = { sequenceNumber: r.kinesis.sequenceNumber };
              break records;
            }
            countResults(result.results, counts);
          } catch (error) {
            // From this record on, the batch is retried (what was done is a duplicate then).
            failure = { sequenceNumber: r.kinesis.sequenceNumber, error };
            break records;
          }
        }
      }
    }
    deps.observeOutcome?.({
      records: event.Records.length,
      payloads,
      triggers,
      unreadable,
      waitingForProfile,
      counts,
      ...(failure === undefined ? {} : { failedSequenceNumber: failure.sequenceNumber, ...(failure.error === undefined ? {} : { error: failure.error }) }),
    });
    return { batchItemFailures: failure === undefined ? [] : [{ itemIdentifier: failure.sequenceNumber }] };
  };
}
