/**
 * Propensity features and labels of one profile at a cutoff.
 *
 * Features are computed from the events strictly before the cutoff, so a
 * model trained at a past cutoff never sees what happened after it; labels
 * come from the window after it: churn = no order in (cutoff, cutoff + h],
 * repurchase = an order in (cutoff, cutoff + h].
 *
 * The population is the existing customers: profiles with at least one
 * order before the cutoff. Churn and repurchase are about people who have
 * bought; a profile that never ordered is neither labelled nor scored.
 *
 * Activity (recency of the last event, events in 30 days, tenure, channels)
 * counts what the customer did, not what c360 did to them: score events and
 * the delivery receipts of our own messages (sent, delivered, bounced, ...)
 * are left out, or scoring and sending would make everyone look active.
 *
 * Missing values are imputed explicitly, each with its rule below: a
 * recency with nothing to measure is the cap (RECENCY_CAP_DAYS), an average
 * over nothing is 0 with an indicator feature saying it is missing.
 */
import type { ScoreModel } from '../../../config/activation';
import type { ProfileTimeline, TimelineEvent } from '../../contracts/propensity';
import { FEEDBACK_EVENTS, SCORE_EVENT } from '../../contracts/events';

export const DAY_MS = 86_400_000;
/** Recencies and tenure are capped here (days), and a recency with no event to measure takes it. */
export const RECENCY_CAP_DAYS = 730;
export const TENURE_CAP_DAYS = 3650;

/** The channels with a share feature of their own; the rest count as `other`. */
export const SHARE_CHANNELS = ['web', 'mobile', 'store', 'support'] as const;

/** The engagement events counted over 30 days, and the closed-ticket event that carries a csat. */
export const ENGAGEMENT_EVENTS = { emailOpened: FEEDBACK_EVENTS.email.opened, emailClicked: FEEDBACK_EVENTS.email.clicked, productViewed: 'Product Viewed' } as const;
export const TICKET_CLOSED_EVENT = 'Ticket Closed';

/** Events c360 itself causes (scores, delivery receipts): not the customer's activity. */
export const NOT_ACTIVITY: ReadonlySet<string> = new Set([
  SCORE_EVENT,
  FEEDBACK_EVENTS.email.sent,
  FEEDBACK_EVENTS.email.delivered,
  FEEDBACK_EVENTS.email.deferred,
  FEEDBACK_EVENTS.email.rejected,
  FEEDBACK_EVENTS.email.bounced,
  FEEDBACK_EVENTS.sms.sent,
  FEEDBACK_EVENTS.sms.delivered,
  FEEDBACK_EVENTS.sms.failed,
  FEEDBACK_EVENTS.push.sent,
  FEEDBACK_EVENTS.push.failed,
]);

/** The features, in vector order. */
export const FEATURES = [
  'days_since_last_order',
  'days_since_last_event',
  'orders_30d',
  'orders_90d',
  'orders_365d',
  'events_30d',
  'revenue_total',
  'revenue_365d',
  'avg_order_value_365d',
  'no_order_365d',
  'tenure_days',
  ...SHARE_CHANNELS.map((c) => `channel_share_${c}`),
  'channel_share_other',
  'channel_count',
  'csat_avg',
  'csat_missing',
  'tickets_365d',
  'email_opened_30d',
  'email_clicked_30d',
  'product_viewed_30d',
] as const;
/** Index of days_since_last_order: the recency baseline's input. */
export const RECENCY_FEATURE = FEATURES.indexOf('days_since_last_order');

export interface FeatureOptions {
  /** The order event (config.activation.propensity.orderEvent). */
  readonly orderEvent: string;
}

const days = (ms: number) => ms / DAY_MS;

/**
 * The feature vector of `timeline` at `cutoffMs` (events at or after it are
 * ignored), in FEATURES order; undefined when the profile has no order
 * before the cutoff (outside the population).
 */
export function featuresAt(timeline: ProfileTimeline, cutoffMs: number, opts: FeatureOptions): number[] | undefined {
  let lastOrder = Number.NEGATIVE_INFINITY;
  let lastEvent = Number.NEGATIVE_INFINITY;
  let firstEvent = Number.POSITIVE_INFINITY;
  let orders30 = 0;
  let orders90 = 0;
  let orders365 = 0;
  let events30 = 0;
  let revenueTotal = 0;
  let revenue365 = 0;
  let csatSum = 0;
  let csatCount = 0;
  let tickets365 = 0;
  let opened30 = 0;
  let clicked30 = 0;
  let viewed30 = 0;
  const channelCounts = new Map<string, number>();
  let channelled = 0;
  for (const e of timeline.events) {
    if (!(e.at < cutoffMs)) continue;
    const age = days(cutoffMs - e.at);
    if (e.name === opts.orderEvent) {
      lastOrder = Math.max(lastOrder, e.at);
      if (age <= 30) orders30++;
      if (age <= 90) orders90++;
      if (age <= 365) {
        orders365++;
        revenue365 += e.revenue ?? 0;
      }
      revenueTotal += e.revenue ?? 0;
    }
    if (NOT_ACTIVITY.has(e.name)) continue;
    lastEvent = Math.max(lastEvent, e.at);
    firstEvent = Math.min(firstEvent, e.at);
    if (age <= 30) {
      events30++;
      if (e.name === ENGAGEMENT_EVENTS.emailOpened) opened30++;
      else if (e.name === ENGAGEMENT_EVENTS.emailClicked) clicked30++;
      else if (e.name === ENGAGEMENT_EVENTS.productViewed) viewed30++;
    }
    if (e.name === TICKET_CLOSED_EVENT) {
      if (age <= 365) tickets365++;
      if (e.csat !== undefined && Number.isFinite(e.csat)) {
        csatSum += e.csat;
        csatCount++;
      }
    }
    if (e.channel !== undefined && e.channel !== '') {
      channelCounts.set(e.channel, (channelCounts.get(e.channel) ?? 0) + 1);
      channelled++;
    }
  }
  if (lastOrder === Number.NEGATIVE_INFINITY) return undefined;
  const share = (n: number) => (channelled === 0 ? 0 : n / channelled);
  const named = new Set<string>(SHARE_CHANNELS);
  let other = 0;
  for (const [channel, n] of channelCounts) if (!named.has(channel)) other += n;
  return [
    Math.min(RECENCY_CAP_DAYS, days(cutoffMs - lastOrder)),
    Math.min(RECENCY_CAP_DAYS, days(cutoffMs - lastEvent)),
    orders30,
    orders90,
    orders365,
    events30,
    revenueTotal,
    revenue365,
    orders365 === 0 ? 0 : revenue365 / orders365,
    orders365 === 0 ? 1 : 0,
    Math.min(TENURE_CAP_DAYS, days(cutoffMs - firstEvent)),
    ...SHARE_CHANNELS.map((c) => share(channelCounts.get(c) ?? 0)),
    share(other),
    channelCounts.size,
    csatCount === 0 ? 0 : csatSum / csatCount,
    csatCount === 0 ? 1 : 0,
    tickets365,
    opened30,
    clicked30,
    viewed30,
  ];
}

/** Whether the profile ordered in (cutoff, cutoff + horizon]. */
export function orderedWithin(events: readonly TimelineEvent[], cutoffMs: number, horizonDays: number, orderEvent: string): boolean {
  const end = cutoffMs + horizonDays * DAY_MS;
  return events.some((e) => e.name === orderEvent && e.at > cutoffMs && e.at <= end);
}

/** The label of `model` at the cutoff: churn 1 = no order in the horizon; repurchase 1 = an order in it. */
export function labelAt(timeline: ProfileTimeline, cutoffMs: number, model: ScoreModel, horizonDays: number, orderEvent: string): 0 | 1 {
  const ordered = orderedWithin(timeline.events, cutoffMs, horizonDays, orderEvent);
  return model === 'churn' ? (ordered ? 0 : 1) : ordered ? 1 : 0;
}

/** Features and labels of the population at one cutoff. */
export interface LabelledSet {
  readonly cutoffMs: number;
  readonly horizonDays: number;
  readonly profileIds: string[];
  readonly x: number[][];
  readonly y: (0 | 1)[];
}

/** Every profile with an order before the cutoff, with its features at the cutoff and its label after it. */
export function labelledSet(
  timelines: readonly ProfileTimeline[],
  cutoffMs: number,
  model: ScoreModel,
  horizonDays: number,
  opts: FeatureOptions,
): LabelledSet {
  const set: LabelledSet = { cutoffMs, horizonDays, profileIds: [], x: [], y: [] };
  for (const t of timelines) {
    const features = featuresAt(t, cutoffMs, opts);
    if (features === undefined) continue;
    set.profileIds.push(t.profileId);
    set.x.push(features);
    set.y.push(labelAt(t, cutoffMs, model, horizonDays, opts.orderEvent));
  }
  return set;
}
