/**
 * Propensity scores on the profile. The activation pillar's scoring job puts
 * one `Propensity Scored` track event per profile and model on the event
 * stream; the fold keeps, per model, the score of the latest `scoredAt`
 * (ties broken by messageId, as traits are), whatever order the events
 * arrived in, and a merge keeps the latest of both sides. This module holds
 * the consumer's copy of the event's name and of its properties' shape: the
 * producer's is lambda/activation/contracts/events.ts, and one must match
 * the other (a test holds them together).
 *
 * A score event whose properties do not have that shape (a score outside
 * [0, 1], an unknown model, a time that does not parse ...) is still an
 * event of the profile (counted, its channel and traits applied) but changes
 * no score: it is recorded with the reason under `rejectedScores`, the most
 * recent MAX_REJECTED_SCORES by event time, as identifiers that could not be
 * linked are recorded under `rejectedIdentifiers`.
 */
import * as z from 'zod/mini';
import '../../../config/zod-locale';
import { SCORE_MODELS, type ScoreModel } from '../../../config/activation';
import { describeIssues } from '../../../shared/events';

/** The track event that carries a score (the activation contract's SCORE_EVENT). */
export const SCORE_EVENT_NAME = 'Propensity Scored';

export const SCORE_ALGORITHMS = ['logistic-regression', 'random-forest'] as const;

/** Contributions a score event may name (config activation.propensity.topFeatures is at most 10). */
export const MAX_TOP_FEATURES = 20;

const finite = z.number().check(z.refine(Number.isFinite, 'a finite number'));
const isoTime = z.string().check(
  z.maxLength(64),
  z.refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 time'),
);

/** `properties` of a score event. */
export const scoreEventPropertiesSchema = z.looseObject({
  model: z.enum(SCORE_MODELS),
  score: z.number().check(z.minimum(0), z.maximum(1)),
  modelVersion: z.string().check(z.minLength(1), z.maxLength(256)),
  algorithm: z.enum(SCORE_ALGORITHMS),
  scoredAt: isoTime,
  topFeatures: z.array(z.object({ feature: z.string().check(z.minLength(1), z.maxLength(256)), weight: finite, value: finite })).check(z.maxLength(MAX_TOP_FEATURES)),
});

export interface ScoreContribution {
  readonly feature: string;
  readonly weight: number;
  readonly value: number;
}

/** One model's score as the profile keeps it. */
export interface ProfileScore {
  /** Probability, 0 to 1. */
  readonly score: number;
  readonly modelVersion: string;
  readonly algorithm: (typeof SCORE_ALGORITHMS)[number];
  /** ISO-8601, as the event gave it. */
  readonly scoredAt: string;
  readonly topFeatures: readonly ScoreContribution[];
  /** The score event's messageId: the tie-breaker between two scores of the same time. */
  readonly messageId: string;
}

/** Model name → its latest score. */
export type ProfileScores = Readonly<Partial<Record<ScoreModel, ProfileScore>>>;

/** A score event that changed no score, and why. */
export interface RejectedScore {
  readonly messageId: string;
  /** Event time of the score event (ISO-8601). */
  readonly at: string;
  readonly reason: string;
}

/** How many rejected score events a profile keeps. */
export const MAX_REJECTED_SCORES = 100;

/** What the fold reads of an event. */
interface ScoreEventLike {
  readonly messageId: string;
  readonly type: string;
  readonly name?: string;
  readonly timestamp: string;
  readonly properties?: Readonly<Record<string, unknown>>;
}

export function isScoreEvent(event: Pick<ScoreEventLike, 'type' | 'name'>): boolean {
  return event.type === 'track' && event.name === SCORE_EVENT_NAME;
}

/** The score a score event carries, or why it carries none. */
export function readScore(event: ScoreEventLike): { model: ScoreModel; score: ProfileScore } | { rejected: RejectedScore } {
  const parsed = scoreEventPropertiesSchema.safeParse(event.properties ?? {});
  if (!parsed.success) {
    return { rejected: { messageId: event.messageId, at: event.timestamp, reason: `score event properties: ${describeIssues(parsed.error)}` } };
  }
  const p = parsed.data;
  return {
    model: p.model,
    score: {
      score: p.score,
      modelVersion: p.modelVersion,
      algorithm: p.algorithm,
      scoredAt: p.scoredAt,
      topFeatures: p.topFeatures.map(({ feature, weight, value }) => ({ feature, weight, value })),
      messageId: event.messageId,
    },
  };
}

/** Whether `a` wins over `b`: the later scoredAt, then the greater messageId. */
export function newerScore(a: ProfileScore, b: ProfileScore): boolean {
  const ta = Date.parse(a.scoredAt);
  const tb = Date.parse(b.scoredAt);
  return ta !== tb ? ta > tb : a.messageId > b.messageId;
}

/** The scores with `candidates` folded in (latest per model wins); the same object when none wins. */
export function addScores(
  scores: ProfileScores | undefined,
  candidates: Iterable<{ readonly model: ScoreModel; readonly score: ProfileScore }>,
): ProfileScores | undefined {
  let out: Partial<Record<ScoreModel, ProfileScore>> | undefined;
  for (const { model, score } of candidates) {
    const current = (out ?? scores)?.[model];
    if (current !== undefined && !newerScore(score, current)) continue;
    out ??= { ...scores };
    out[model] = score;
  }
  return out ?? scores;
}

/** A merge: the latest score of each model on either side. */
export function mergeScores(a: ProfileScores | undefined, b: ProfileScores | undefined): ProfileScores | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return addScores(a, Object.entries(b).map(([model, score]) => ({ model: model as ScoreModel, score: score as ProfileScore })));
}

/** Adds rejected score events, keeping the most recent MAX_REJECTED_SCORES by event time (a set: order-independent). */
export function addRejectedScores(held: readonly RejectedScore[] | undefined, rejected: readonly RejectedScore[]): readonly RejectedScore[] | undefined {
  if (rejected.length === 0) return held;
  const key = (r: RejectedScore) => `${r.at}|${r.messageId}`;
  const all = new Map([...(held ?? []), ...rejected].map((r) => [key(r), r]));
  return [...all.values()].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0)).slice(-MAX_REJECTED_SCORES);
}

/** A score as views show it (without the tie-breaker). */
export type ScoreView = Omit<ProfileScore, 'messageId'>;

/** Model → score, as the profile API and the customer view show them. */
export function scoresView(scores: ProfileScores | undefined): Record<string, ScoreView> {
  const out: Record<string, ScoreView> = {};
  for (const [model, s] of Object.entries(scores ?? {})) {
    if (s === undefined) continue;
    const { messageId: _m, ...view } = s;
    out[model] = { ...view, topFeatures: view.topFeatures.map((f) => ({ ...f })) };
  }
  return out;
}

/** Model → probability: what segment rules read as `scores.<model>`. */
export function scoreValues(scores: ProfileScores | undefined): Record<string, { readonly score: number; readonly scoredAt: string }> {
  const out: Record<string, { score: number; scoredAt: string }> = {};
  for (const [model, s] of Object.entries(scores ?? {})) if (s !== undefined) out[model] = { score: s.score, scoredAt: s.scoredAt };
  return out;
}
