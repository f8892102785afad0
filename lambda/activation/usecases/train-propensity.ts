/**
 * Trains the propensity models (churn, repurchase) on the timelines and
 * keeps the outcome in the models store: a model that beat the recency
 * baseline is put under its version first and then as `current` (so
 * `current` never names a version that is not stored); every run's report
 * is put, deployed or not. A model that does not deploy leaves the previous
 * `current` in place.
 */
import { SCORE_MODELS, type ActivationConfig, type ScoreModel } from '../../config/activation';
import { currentModelKey, modelVersionKey, trainingReportKey, type ModelMetrics, type ProfileTimeline, type TrainingReport } from '../contracts/propensity';
import { latestEventTime, trainPropensity } from '../core/propensity/train';
import type { ForestOptions } from '../core/propensity/forest';
import type { DocumentStore } from '../ports';

export interface TrainPropensityDeps {
  readonly settings: ActivationConfig['propensity'];
  readonly documents: DocumentStore;
  readonly now: () => number;
  /** Forest settings (tests and the benchmark use smaller forests). */
  readonly forest?: ForestOptions;
}

/** What one model's training decided (no personal data: counts and metrics). */
export interface ModelTrainingSummary {
  readonly model: ScoreModel;
  readonly version: string;
  readonly deployed: boolean;
  readonly algorithm?: string;
  readonly reason: string;
  readonly trainProfiles?: number;
  readonly testProfiles?: number;
  readonly rocAuc?: { readonly logistic: number; readonly forest: number; readonly baseline: number };
}

export interface TrainPropensitySummary {
  readonly enabled: boolean;
  readonly timelines: number;
  readonly models: readonly ModelTrainingSummary[];
}

const auc = (m: { logistic: ModelMetrics; forest: ModelMetrics; baseline: ModelMetrics }) => ({
  logistic: m.logistic.rocAuc,
  forest: m.forest.rocAuc,
  baseline: m.baseline.rocAuc,
});

export function summariseReport(report: TrainingReport): ModelTrainingSummary {
  return {
    model: report.model,
    version: report.version,
    deployed: report.decision.deployed,
    ...(report.decision.algorithm === undefined ? {} : { algorithm: report.decision.algorithm }),
    reason: report.decision.reason,
    ...(report.windows === undefined ? {} : { trainProfiles: report.windows.train.profiles, testProfiles: report.windows.test.profiles }),
    ...(report.metrics === undefined ? {} : { rocAuc: auc(report.metrics) }),
  };
}

export async function trainPropensityModels(timelines: readonly ProfileTimeline[], deps: TrainPropensityDeps): Promise<TrainPropensitySummary> {
  if (!deps.settings.enabled) return { enabled: false, timelines: timelines.length, models: [] };
  const trainedAtMs = deps.now();
  // The data ends at its latest event, or now if an event claims a later time.
  const latest = latestEventTime(timelines);
  const dataEnd = latest === undefined ? {} : { dataEndMs: Math.min(latest, trainedAtMs) };
  const models: ModelTrainingSummary[] = [];
  for (const model of SCORE_MODELS) {
    const outcome = trainPropensity(timelines, {
      model,
      settings: deps.settings,
      trainedAtMs,
      ...dataEnd,
      ...(deps.forest === undefined ? {} : { forest: deps.forest }),
    });
    if (outcome.modelFile !== undefined) {
      await deps.documents.put(modelVersionKey(model, outcome.modelFile.version), outcome.modelFile);
      await deps.documents.put(currentModelKey(model), outcome.modelFile);
    }
    await deps.documents.put(trainingReportKey(model, outcome.report.version), outcome.report);
    models.push(summariseReport(outcome.report));
  }
  return { enabled: true, timelines: timelines.length, models };
}
