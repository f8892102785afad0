/**
 * Events the activation pillar puts on the event stream, addressed like a
 * consent decision from the profile API (the profile's userId, else its
 * anonymousId): so profiles, segments and scores learn from them through
 * the same pipeline as every producer's events.
 */
import type { Channel, ScoreModel } from '../../config/activation';

/** A propensity score: one event per profile and model run. Unification folds it into `profile.scores` (latest `scoredAt` wins). */
export const SCORE_EVENT = 'Propensity Scored';

export interface ScoreContribution {
  readonly feature: string;
  /** Signed contribution to the score (log-odds for the logistic model, a probability delta for the forest). */
  readonly weight: number;
  /** The customer's value of the feature. */
  readonly value: number;
}

/** `properties` of a SCORE_EVENT. */
export interface ScoreEventProperties {
  readonly model: ScoreModel;
  /** Probability, 0 to 1 (calibrated). */
  readonly score: number;
  /** The model version that scored (`<model>-<trainedAt>`), and its kind. */
  readonly modelVersion: string;
  readonly algorithm: 'logistic-regression' | 'random-forest';
  /** ISO-8601. */
  readonly scoredAt: string;
  readonly topFeatures: readonly ScoreContribution[];
}


/** Delivery and engagement events, as track events under the profile. */
export const FEEDBACK_EVENTS = {
  email: {
    sent: 'Email Sent',
    delivered: 'Email Delivered',
    opened: 'Email Opened',
    clicked: 'Email Link Clicked',
    bounced: 'Email Bounced',
    complained: 'Email Marked as Spam',
    unsubscribed: 'Unsubscribed',
    deferred: 'Email Delivery Delayed',
    rejected: 'Email Rejected',
  },
  sms: {
    sent: 'SMS Sent',
    delivered: 'SMS Delivered',
    failed: 'SMS Failed',
    optedOut: 'SMS Opted Out',
  },
  push: {
    sent: 'Push Sent',
    failed: 'Push Failed',
    opened: 'Push Opened',
  },
} as const satisfies Record<Channel, Record<string, string>>;

/** `properties` every feedback event carries (plus the provider's own detail: bounce type, link, …). */
export interface FeedbackProperties {
  readonly campaign: string;
  readonly channel: Channel;
  /** The message's idempotency key (campaign, profile, trigger occurrence). */
  readonly messageKey: string;
  readonly providerMessageId?: string;
}

/** The source of feedback events (`context.library.name`-like marker in `context.c360.source`). */
export const FEEDBACK_SOURCE = 'c360-activation';
