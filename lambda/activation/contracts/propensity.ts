/**
 * Propensity scores, defined once: the training source's shape (one timeline
 * per profile), the model file the training job writes and the scoring job
 * reads, the training report, and the document keys both use in the models
 * store (S3 deployed, files locally).
 *
 *   models/propensity/<model>/<version>.json           one trained model (PropensityModelFile)
 *   models/propensity/<model>/current.json             the deployed model (a copy of the version's file)
 *   models/propensity/<model>/reports/<version>.json   every training run's report, deployed or not
 *
 * A version is `<model>-<trainedAt compact>` (`churn-20261202T061955Z`).
 * Model files and reports hold no personal data: coefficients, forest
 * trees, windows, population counts and metrics only.
 */
import type { ScoreModel } from '../../config/activation';

/** One event of a profile's history, as the training query returns it. */
export interface TimelineEvent {
  /** Event time, epoch ms. */
  readonly at: number;
  /** The track event's name (`Order Completed`), or the call type of other calls (`page`, `screen`, `identify`). */
  readonly name: string;
  /** `context.channel` (web, mobile, store, ...), when the event carried one. */
  readonly channel?: string;
  /** An order's revenue (`properties.revenue`, else `properties.total`), when it is a number. */
  readonly revenue?: number;
  /** A closed ticket's satisfaction score (`properties.csat`), when it is a number. */
  readonly csat?: number;
}

/** A profile's history: its events and what addresses a stream event to it. */
export interface ProfileTimeline {
  readonly profileId: string;
  /** The profile's userId, else anonymousId, as the identity graph holds them (score events are addressed by them). */
  readonly address: { readonly userId?: string; readonly anonymousId?: string };
  /** Oldest first. */
  readonly events: readonly TimelineEvent[];
}

/** Where the training and scoring jobs read the timelines from (the warehouse: Athena deployed, DuckDB locally). */
export interface TrainingSource {
  /** The timelines of every profile with at least one order. */
  timelines(): Promise<ProfileTimeline[]>;
}

export type PropensityAlgorithm = 'logistic-regression' | 'random-forest';

/** A labelled window: features at `cutoff` from events strictly before it, labels from (cutoff, cutoff + horizon]. */
export interface LabelledWindow {
  /** ISO-8601. */
  readonly cutoff: string;
  readonly horizonDays: number;
  /** Profiles with at least one order before the cutoff (the population). */
  readonly profiles: number;
  /** Of them, those whose label is 1 (churned / repurchased). */
  readonly positives: number;
}

/** Per-feature centring and scaling of the logistic model (z = (x - mean) / scale). */
export interface Standardisation {
  readonly mean: readonly number[];
  readonly scale: readonly number[];
}

export interface LogisticParameters {
  readonly intercept: number;
  /** One per feature, on the standardised features. */
  readonly coefficients: readonly number[];
  /** The L2 penalty it was fitted with. */
  readonly l2: number;
}

export interface ForestParameters {
  /** The forest as `RandomForestClassifier.toJSON()` gives it (ml-random-forest), for `RandomForestClassifier.load`. */
  readonly json: unknown;
  /** Per feature, the upper edges of its quantile bins: the trees split on bin numbers (a value's bin = how many edges are <= it). */
  readonly binEdges: readonly (readonly number[])[];
  /** Training means of the features: a contribution is the score's change when a feature is replaced by its mean. */
  readonly means: readonly number[];
}

export const MODEL_FILE_FORMAT = 'c360-propensity-model/1';

/** A trained model, as stored. */
export interface PropensityModelFile {
  readonly format: typeof MODEL_FILE_FORMAT;
  readonly model: ScoreModel;
  /** `<model>-<trainedAt compact>`. */
  readonly version: string;
  readonly algorithm: PropensityAlgorithm;
  /** Feature names, in the order of the vectors. */
  readonly features: readonly string[];
  /** The order event and horizon the labels were built with. */
  readonly orderEvent: string;
  readonly horizonDays: number;
  /** ISO-8601. */
  readonly trainedAt: string;
  /** The honest split it was chosen on, and the windows the final fit used (train and test windows together). */
  readonly windows: { readonly train: LabelledWindow; readonly test: LabelledWindow; readonly final: readonly LabelledWindow[] };
  /** The hold-out ROC-AUC it was chosen with, and the recency baseline's. */
  readonly testRocAuc: number;
  readonly baselineRocAuc: number;
  readonly standardisation?: Standardisation;
  readonly logistic?: LogisticParameters;
  readonly forest?: ForestParameters;
}

export interface CalibrationBin {
  /** The bin's score range [lower, upper). */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean score and observed positive rate of the bin (0 when empty). */
  readonly meanScore: number;
  readonly positiveRate: number;
}

/** Hold-out metrics of one scorer. */
export interface ModelMetrics {
  readonly rocAuc: number;
  /** Average precision. */
  readonly prAuc: number;
  /** Positive rate of the top 10% by score over the overall positive rate. */
  readonly topDecileLift: number;
  /** Expected calibration error over 10 equal-width bins. */
  readonly ece: number;
  readonly calibration: readonly CalibrationBin[];
}

/** What one training run found and decided. */
export interface TrainingReport {
  readonly model: ScoreModel;
  /** The version the model got, or would have got. */
  readonly version: string;
  /** ISO-8601. */
  readonly trainedAt: string;
  /** The latest event time in the data (or the clock), ISO-8601: the test window ends here. */
  readonly dataEnd?: string;
  readonly timelines: number;
  readonly windows?: { readonly train: LabelledWindow; readonly test: LabelledWindow };
  /** Hold-out metrics on the test window; absent when nothing was trained. */
  readonly metrics?: {
    readonly logistic: ModelMetrics;
    readonly forest: ModelMetrics;
    /** Score = recency rank (churn: longer since the last order; repurchase: shorter). */
    readonly baseline: ModelMetrics;
  };
  readonly decision: {
    readonly deployed: boolean;
    /** The chosen algorithm, when one was deployed. */
    readonly algorithm?: PropensityAlgorithm;
    /** Why it was, or was not, deployed. */
    readonly reason: string;
  };
}

export const PROPENSITY_PREFIX = 'models/propensity/';
export const modelVersionKey = (model: ScoreModel, version: string) => `${PROPENSITY_PREFIX}${model}/${version}.json`;
export const currentModelKey = (model: ScoreModel) => `${PROPENSITY_PREFIX}${model}/current.json`;
export const trainingReportKey = (model: ScoreModel, version: string) => `${PROPENSITY_PREFIX}${model}/reports/${version}.json`;

/** `churn-20261202T061955Z`: the model and the training time, UTC, to the second. */
export function modelVersion(model: ScoreModel, trainedAtMs: number): string {
  return `${model}-${new Date(trainedAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}`;
}

/** The propensity job's training views, written once for Athena and DuckDB (the analytics stack creates them after the shipped views). */
export const PROPENSITY_SQL_DIR = 'sql/activation';
