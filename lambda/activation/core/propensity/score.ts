/**
 * Scoring with a stored model: a model file loaded once (its forest parsed
 * once), then each profile's features at `now` → a probability and the top
 * contributing features, as the `Propensity Scored` event carries them.
 */
import { createHash } from 'node:crypto';
import type { ScoreContribution, ScoreEventProperties } from '../../contracts/events';
import { MODEL_FILE_FORMAT, type PropensityModelFile } from '../../contracts/propensity';
import { FEATURES } from './features';
import { forestContributions, loadForest } from './forest';
import { logisticContributions, logisticScore } from './logistic';

export interface LoadedModel {
  readonly file: PropensityModelFile;
  /** Scores and per-feature contributions of many rows at once. */
  score(rows: readonly (readonly number[])[]): { scores: number[]; contributions: number[][] };
}

/** Checks a model file and makes it ready to score; throws naming what is wrong. */
export function loadModel(file: PropensityModelFile): LoadedModel {
  if (file.format !== MODEL_FILE_FORMAT) throw new Error(`model file ${file.version}: format ${String(file.format)}, expected ${MODEL_FILE_FORMAT}`);
  if (file.features.length !== FEATURES.length || file.features.some((f, i) => f !== FEATURES[i])) {
    throw new Error(`model file ${file.version}: its features (${file.features.join(', ')}) are not this version's (${FEATURES.join(', ')}); train again`);
  }
  if (file.algorithm === 'logistic-regression') {
    const { logistic, standardisation } = file;
    if (logistic === undefined || standardisation === undefined) throw new Error(`model file ${file.version}: a logistic regression without coefficients`);
    const scorer = { intercept: logistic.intercept, coefficients: logistic.coefficients, standardisation };
    return {
      file,
      score: (rows) => ({ scores: rows.map((r) => logisticScore(scorer, r)), contributions: rows.map((r) => logisticContributions(scorer, r)) }),
    };
  }
  if (file.forest === undefined) throw new Error(`model file ${file.version}: a random forest without trees`);
  const forest = loadForest(file.forest);
  return { file, score: (rows) => forestContributions(forest, rows) };
}

/** The `top` features by |contribution|, largest first (ties by feature order). */
export function topContributions(features: readonly string[], row: readonly number[], contributions: readonly number[], top: number): ScoreContribution[] {
  return contributions
    .map((weight, i) => ({ feature: features[i] as string, weight, value: row[i] as number, i }))
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || a.i - b.i)
    .slice(0, top)
    .map(({ feature, weight, value }) => ({ feature, weight, value }));
}

export function scoreProperties(model: LoadedModel, score: number, top: readonly ScoreContribution[], scoredAtMs: number): ScoreEventProperties {
  return {
    model: model.file.model,
    score,
    modelVersion: model.file.version,
    algorithm: model.file.algorithm,
    scoredAt: new Date(scoredAtMs).toISOString(),
    topFeatures: top,
  };
}

/** The score event's messageId: the same profile, model version and UTC day give the same id, so a re-run that day is the same event. */
export function scoreMessageId(profileId: string, version: string, scoredAtMs: number): string {
  const day = new Date(scoredAtMs).toISOString().slice(0, 10);
  return `score-${createHash('sha256').update(JSON.stringify([profileId, version, day])).digest('hex').slice(0, 32)}`;
}
