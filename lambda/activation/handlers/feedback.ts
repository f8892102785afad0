/**
 * The feedback function, independent of where it runs. One handler for what
 * the providers deliver:
 *   - an EventBridge event from `aws.ses` (SES event publishing: the default
 *     bus, forwarded): one email event per invocation;
 *   - an SNS event (Records[].Sns.Message): End User Messaging SMS delivery
 *     events, two-way SMS (STOP replies), or SES events published to SNS;
 *   - an EventBridge event from `aws.sms-voice` (SMS delivery status);
 *   - a scheduled EventBridge event: reconciliation with the SMS opt-out list.
 *
 * It never throws for an event it cannot use (dropped, counted by reason,
 * told to `observe`): only a store failure throws, and the delivery is then
 * retried, which the idempotent writes make safe.
 */
import type { EventBridgeEvent, SNSEvent } from 'aws-lambda';
import { readSesEvent, readSmsEvent, readSnsMessage, type ReadFeedback } from '../core/feedback';
import { applyFeedback, reconcileSmsOptOuts, type FeedbackDeps, type FeedbackOutcome, type SmsOptOutList } from '../usecases/feedback';

export interface FeedbackHandlerDeps extends FeedbackDeps {
  /** The SMS opt-out list; without it, scheduled reconciliation is reported as not configured. */
  readonly optOutList?: SmsOptOutList;
  /** Told what each invocation did (counts and reasons only). */
  readonly observe?: (observation: FeedbackObservation) => void;
}

export interface FeedbackObservation extends FeedbackOutcome {
  /** What delivered the events: `ses`, `sms-voice`, `sns`, `schedule`, or `unknown`. */
  readonly source: string;
  /** Reconciliation: numbers on the opt-out list, and those already suppressed. */
  readonly listed?: number;
  readonly known?: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const timeOf = (v: unknown, fallback: number) => {
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(ms) ? fallback : ms;
};

/** The provider events an SNS delivery carries, read. */
export function readSnsEvent(event: Pick<SNSEvent, 'Records'>, nowMs: number): ReadFeedback[] {
  return event.Records.map((record): ReadFeedback => {
    const sns = record.Sns;
    let message: unknown;
    try {
      message = JSON.parse(sns.Message) as unknown;
    } catch {
      return { kind: 'ignored', reason: 'the SNS message is not JSON' };
    }
    return readSnsMessage(message, timeOf(sns.Timestamp, nowMs));
  });
}

export type FeedbackInput = EventBridgeEvent<string, unknown> | SNSEvent;

export function createFeedbackHandler(deps: FeedbackHandlerDeps) {
  return async (event: FeedbackInput): Promise<FeedbackObservation> => {
    const nowMs = (deps.clock ?? Date.now)();
    // Read as unknown: what arrives is checked, not trusted to match its type.
    const observation = await handle(event as unknown, nowMs);
    deps.observe?.(observation);
    return observation;
  };

  async function handle(event: unknown, nowMs: number): Promise<FeedbackObservation> {
    if (!isObject(event)) return dropped('unknown', 'the invocation event is not an object');
    if (Array.isArray(event.Records)) {
      const records = event.Records.filter(isObject);
      const sns = records.filter((r) => isObject(r.Sns)) as unknown as SNSEvent['Records'];
      const outcome = await applyFeedback(readSnsEvent({ Records: sns }, nowMs), deps);
      const others = records.length - sns.length + (event.Records.length - records.length);
      return others === 0 ? { source: 'sns', ...outcome } : { source: 'sns', ...merge(outcome, 'a record that is not an SNS notification', others) };
    }
    const source = event.source;
    const time = timeOf(event.time, nowMs);
    const detailType = typeof event['detail-type'] === 'string' ? event['detail-type'] : undefined;
    if (source === 'aws.ses') return { source: 'ses', ...(await applyFeedback([readSesEvent(event.detail, time, detailType)], deps)) };
    if (source === 'aws.sms-voice') {
      return { source: 'sms-voice', ...(await applyFeedback([readSmsEvent(event.detail, time)], deps)) };
    }
    if (source === 'aws.events' && detailType === 'Scheduled Event') {
      if (deps.optOutList === undefined) return dropped('schedule', 'opt-out reconciliation is not configured (no SMS opt-out list)');
      return { source: 'schedule', ...(await reconcileSmsOptOuts(deps.optOutList, deps)) };
    }
    return dropped('unknown', 'not an SES, SMS or scheduled event');
  }
}

function dropped(source: string, reason: string): FeedbackObservation {
  return { source, read: 1, written: 0, suppressed: 0, dropped: { [reason]: 1 } };
}

function merge(outcome: FeedbackOutcome, reason: string, count: number): FeedbackOutcome {
  return { ...outcome, read: outcome.read + count, dropped: { ...outcome.dropped, [reason]: (outcome.dropped[reason] ?? 0) + count } };
}
