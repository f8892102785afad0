/**
 * Training with an honest time split. With T the latest event time in the
 * data (or `now`) and h the model's horizon:
 *
 *   test cutoff  C2 = T - h   features at C2, labels from (C2, C2 + h]  (ends at T)
 *   train cutoff C1 = C2 - h  features at C1, labels from (C1, C1 + h]  (ends at C2)
 *
 * The candidates (logistic regression, random forest) are fitted on the
 * train window only, so no label they learn from lies after C2; they and the
 * recency baseline are scored on the test window, never on a random split
 * across time. The better candidate by test ROC-AUC is deployed only if it
 * beats the baseline by `minimumAucGain`; otherwise nothing is deployed and
 * the report says why. Fewer than `minimumProfiles` labelled profiles, or a
 * single class, in either window: nothing is trained, with the reason.
 *
 * The deployed model is the chosen algorithm refitted on both windows
 * stacked (the train window's rows and the test window's rows), so it has
 * seen the most recent behaviour; its reported metrics are those of the
 * candidate fitted on the train window alone.
 */
import type { ActivationConfig, ScoreModel } from '../../../config/activation';
import {
  MODEL_FILE_FORMAT,
  modelVersion,
  type LabelledWindow,
  type ModelMetrics,
  type PropensityAlgorithm,
  type PropensityModelFile,
  type TrainingReport,
  type ProfileTimeline,
} from '../../contracts/propensity';
import { metrics, recencyBaseline } from './evaluate';
import { FEATURES, DAY_MS, RECENCY_FEATURE, labelledSet, type LabelledSet } from './features';
import { fitForest, forestParameters, forestScores, type ForestOptions } from './forest';
import { fitLogistic, logisticScore, type LogisticOptions } from './logistic';

export type PropensitySettings = Pick<
  ActivationConfig['propensity'],
  'orderEvent' | 'churnHorizonDays' | 'repurchaseHorizonDays' | 'minimumProfiles' | 'minimumAucGain'
>;

export interface TrainOptions {
  readonly model: ScoreModel;
  readonly settings: PropensitySettings;
  /** When the run happens (the version's time). */
  readonly trainedAtMs: number;
  /** The end of the data; default: the latest event time of the timelines. */
  readonly dataEndMs?: number;
  readonly logistic?: LogisticOptions;
  readonly forest?: ForestOptions;
}

export interface TrainOutcome {
  readonly report: TrainingReport;
  /** The model to deploy, when one beat the baseline. */
  readonly modelFile?: PropensityModelFile;
}

export const horizonOf = (model: ScoreModel, s: Pick<PropensitySettings, 'churnHorizonDays' | 'repurchaseHorizonDays'>) =>
  model === 'churn' ? s.churnHorizonDays : s.repurchaseHorizonDays;

/** The latest event time of the timelines; undefined when there is none. */
export function latestEventTime(timelines: readonly ProfileTimeline[]): number | undefined {
  let latest: number | undefined;
  for (const t of timelines) for (const e of t.events) if (latest === undefined || e.at > latest) latest = e.at;
  return latest;
}

export interface SplitWindows {
  readonly dataEndMs: number;
  readonly train: LabelledSet;
  readonly test: LabelledSet;
}

/** The train and test windows of the split (see the module comment). */
export function splitWindows(timelines: readonly ProfileTimeline[], model: ScoreModel, settings: PropensitySettings, dataEndMs: number): SplitWindows {
  const h = horizonOf(model, settings);
  const c2 = dataEndMs - h * DAY_MS;
  const c1 = c2 - h * DAY_MS;
  const opts = { orderEvent: settings.orderEvent };
  return { dataEndMs, train: labelledSet(timelines, c1, model, h, opts), test: labelledSet(timelines, c2, model, h, opts) };
}

export function windowOf(set: LabelledSet): LabelledWindow {
  return { cutoff: new Date(set.cutoffMs).toISOString(), horizonDays: set.horizonDays, profiles: set.y.length, positives: set.y.filter((l) => l === 1).length };
}

/** Why a window cannot be trained or evaluated on, if it cannot. */
function unusable(name: string, w: LabelledWindow, minimumProfiles: number): string | undefined {
  if (w.profiles < minimumProfiles) return `the ${name} window (cutoff ${w.cutoff}) has ${w.profiles} labelled profiles, fewer than minimumProfiles (${minimumProfiles})`;
  if (w.positives === 0 || w.positives === w.profiles) return `the ${name} window (cutoff ${w.cutoff}) has a single class (${w.positives} of ${w.profiles} positive)`;
  return undefined;
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : String(n));

/** Trains, evaluates and decides for one model. Pure: the same timelines and options give the same outcome. */
export function trainPropensity(timelines: readonly ProfileTimeline[], opts: TrainOptions): TrainOutcome {
  const { model, settings } = opts;
  const version = modelVersion(model, opts.trainedAtMs);
  const trainedAt = new Date(opts.trainedAtMs).toISOString();
  const base = { model, version, trainedAt, timelines: timelines.length };
  const dataEndMs = opts.dataEndMs ?? latestEventTime(timelines);
  if (dataEndMs === undefined) {
    return { report: { ...base, decision: { deployed: false, reason: 'no events to train on' } } };
  }
  const split = splitWindows(timelines, model, settings, dataEndMs);
  const windows = { train: windowOf(split.train), test: windowOf(split.test) };
  const reportBase = { ...base, dataEnd: new Date(dataEndMs).toISOString(), windows };
  const why = unusable('train', windows.train, settings.minimumProfiles) ?? unusable('test', windows.test, settings.minimumProfiles);
  if (why !== undefined) return { report: { ...reportBase, decision: { deployed: false, reason: `not trained: ${why}` } } };

  const lr = fitLogistic(split.train.x, split.train.y, opts.logistic);
  const forest = fitForest(split.train.x, split.train.y, opts.forest);
  const testY = split.test.y;
  const results: Record<'logistic' | 'forest' | 'baseline', ModelMetrics> = {
    logistic: metrics(split.test.x.map((row) => logisticScore(lr, row)), testY),
    forest: metrics(forestScores(forest, split.test.x), testY),
    baseline: metrics(recencyBaseline(split.test.x.map((row) => row[RECENCY_FEATURE] as number), model), testY),
  };
  const best: { algorithm: PropensityAlgorithm; auc: number } =
    results.forest.rocAuc > results.logistic.rocAuc
      ? { algorithm: 'random-forest', auc: results.forest.rocAuc }
      : { algorithm: 'logistic-regression', auc: results.logistic.rocAuc };
  const baselineAuc = results.baseline.rocAuc;
  const gain = best.auc - baselineAuc;
  const summary = `${best.algorithm} test ROC-AUC ${fmt(best.auc)} vs recency baseline ${fmt(baselineAuc)} (gain ${fmt(gain)}, minimum ${fmt(settings.minimumAucGain)})`;
  // A tiny tolerance: a gain equal to the minimum, up to rounding, counts.
  if (!(gain >= settings.minimumAucGain - 1e-12)) {
    return { report: { ...reportBase, metrics: results, decision: { deployed: false, reason: `not deployed: ${summary}` } } };
  }

  // The final fit: both windows' rows stacked.
  const x = [...split.train.x, ...split.test.x];
  const y = [...split.train.y, ...split.test.y];
  const common = {
    format: MODEL_FILE_FORMAT,
    model,
    version,
    features: [...FEATURES],
    orderEvent: settings.orderEvent,
    horizonDays: horizonOf(model, settings),
    trainedAt,
    windows: { train: windows.train, test: windows.test, final: [windows.train, windows.test] },
    testRocAuc: best.auc,
    baselineRocAuc: baselineAuc,
  } as const;
  let modelFile: PropensityModelFile;
  if (best.algorithm === 'logistic-regression') {
    const final = fitLogistic(x, y, opts.logistic);
    modelFile = {
      ...common,
      algorithm: 'logistic-regression',
      standardisation: final.standardisation,
      logistic: { intercept: final.intercept, coefficients: final.coefficients, l2: final.l2 },
    };
  } else {
    modelFile = { ...common, algorithm: 'random-forest', forest: forestParameters(fitForest(x, y, opts.forest)) };
  }
  return { report: { ...reportBase, metrics: results, decision: { deployed: true, algorithm: best.algorithm, reason: `deployed: ${summary}` } }, modelFile };
}
