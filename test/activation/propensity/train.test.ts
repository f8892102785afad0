/**
 * Training: the honest time split, the logistic regression learning a
 * planted signal the recency baseline misses, the deployment decision, the
 * reasons for not training, and the forest's JSON round trip.
 */
import { describe, expect, it } from 'vitest';
import { FEATURES } from '../../../lambda/activation/core/propensity/features';
import { fitForest, forestContributions, forestParameters, forestScores, loadForest } from '../../../lambda/activation/core/propensity/forest';
import { fitLogistic, logisticContributions, logisticScore } from '../../../lambda/activation/core/propensity/logistic';
import { loadModel, topContributions } from '../../../lambda/activation/core/propensity/score';
import { splitWindows, trainPropensity } from '../../../lambda/activation/core/propensity/train';
import { MODEL_FILE_FORMAT, type ProfileTimeline } from '../../../lambda/activation/contracts/propensity';
import { SETTINGS, day, engagementPopulation, ev, order, recencyPopulation, timeline } from './support/timelines';

const FOREST = { trees: 8, maxRows: 300 } as const;
const TRAINED_AT = Date.parse('2027-01-05T06:00:00.000Z');
const clicked = FEATURES.indexOf('email_clicked_30d');

describe('the time split', () => {
  const population = engagementPopulation(120);
  const end = day(360);

  it('puts the test cutoff one horizon before the end of the data and the train cutoff one horizon before that', () => {
    const split = splitWindows(population, 'repurchase', SETTINGS, end);
    expect(split.test.cutoffMs).toBe(day(330));
    expect(split.train.cutoffMs).toBe(day(300));
    const churn = splitWindows(population, 'churn', { ...SETTINGS, churnHorizonDays: 45 }, end);
    expect(churn.test.cutoffMs).toBe(day(315));
    expect(churn.train.cutoffMs).toBe(day(270));
  });

  it('never trains on the test window: changing what happens after the test cutoff leaves the training set and the candidates as they were', () => {
    // Everyone's behaviour after day 330 (the test window) replaced: no order at all.
    const rewritten: ProfileTimeline[] = population.map((t) => ({ ...t, events: t.events.filter((e) => e.at <= day(330)) }));
    rewritten.push(timeline('late', [order(1), ev(360, 'page')]));
    const a = splitWindows(population, 'repurchase', SETTINGS, end);
    const b = splitWindows(rewritten, 'repurchase', SETTINGS, end);
    const withoutLate = (s: typeof b.train) => s.profileIds.flatMap((id, i) => (id === 'late' ? [] : [[id, s.x[i], s.y[i]]]));
    expect(withoutLate(b.train)).toEqual(withoutLate(a.train));
    expect(fitLogistic(b.train.x.slice(0, a.train.x.length), b.train.y.slice(0, a.train.y.length)).coefficients).toEqual(
      fitLogistic(a.train.x, a.train.y).coefficients,
    );
    // The test window did change: its labels come from after day 330.
    expect(b.test.y.filter((l) => l === 1)).toHaveLength(0);
    expect(a.test.y.filter((l) => l === 1).length).toBeGreaterThan(0);
  });
});

describe('the logistic regression', () => {
  it('learns a clear signal and beats the recency baseline where recency is weak, and is deployed', () => {
    const outcome = trainPropensity(engagementPopulation(400), { model: 'repurchase', settings: SETTINGS, trainedAtMs: TRAINED_AT, forest: FOREST });
    const m = outcome.report.metrics;
    expect(m).toBeDefined();
    if (m === undefined) return;
    expect(m.baseline.rocAuc).toBeLessThan(0.6);
    expect(m.logistic.rocAuc).toBeGreaterThan(0.75);
    expect(m.logistic.rocAuc - m.baseline.rocAuc).toBeGreaterThan(SETTINGS.minimumAucGain);
    expect(m.logistic.topDecileLift).toBeGreaterThan(1.3);
    expect(m.logistic.ece).toBeLessThan(0.2);
    expect(outcome.report.decision).toMatchObject({ deployed: true, algorithm: 'logistic-regression' });
    expect(outcome.report.decision.reason).toMatch(/^deployed: logistic-regression test ROC-AUC 0\.\d{3} vs recency baseline 0\.\d{3}/);
    const file = outcome.modelFile;
    expect(file).toMatchObject({ format: MODEL_FILE_FORMAT, model: 'repurchase', version: 'repurchase-20270105T060000Z', algorithm: 'logistic-regression', horizonDays: 30 });
    expect(file?.features).toEqual([...FEATURES]);
    // Refitted on both windows; the email clicks carry the largest positive weight.
    expect(file?.windows.final.map((w) => w.cutoff)).toEqual([new Date(day(300)).toISOString(), new Date(day(330)).toISOString()]);
    const w = file?.logistic?.coefficients ?? [];
    expect(w[clicked]).toBeGreaterThan(0);
    expect(Math.max(...w.map(Math.abs))).toBe(Math.abs(w[clicked] as number));
  });

  it('gives contributions that add up to the log-odds, and names the top features by magnitude', () => {
    const split = splitWindows(engagementPopulation(200), 'repurchase', SETTINGS, day(360));
    const lr = fitLogistic(split.train.x, split.train.y);
    const row = split.test.x[2] as number[];
    const c = logisticContributions(lr, row);
    const p = logisticScore(lr, row);
    expect(lr.intercept + c.reduce((a, b) => a + b, 0)).toBeCloseTo(Math.log(p / (1 - p)), 9);
    const top = topContributions(FEATURES, row, c, 3);
    expect(top).toHaveLength(3);
    expect(Math.abs(top[0]?.weight ?? 0)).toBeGreaterThanOrEqual(Math.abs(top[1]?.weight ?? 0));
    expect(top[0]?.value).toBe(row[FEATURES.indexOf(top[0]?.feature as (typeof FEATURES)[number])]);
  });

  it('fits deterministically', () => {
    const split = splitWindows(engagementPopulation(100), 'churn', SETTINGS, day(360));
    expect(fitLogistic(split.train.x, split.train.y)).toEqual(fitLogistic(split.train.x, split.train.y));
  });
});

describe('the deployment decision', () => {
  it('does not deploy a model that does not beat the recency baseline by the minimum gain, and says why', () => {
    const outcome = trainPropensity(recencyPopulation(200), { model: 'repurchase', settings: SETTINGS, trainedAtMs: TRAINED_AT, forest: FOREST });
    expect(outcome.report.metrics?.baseline.rocAuc).toBe(1);
    expect(outcome.modelFile).toBeUndefined();
    expect(outcome.report.decision.deployed).toBe(false);
    expect(outcome.report.decision.reason).toMatch(/^not deployed: .* vs recency baseline 1\.000 \(gain 0\.000, minimum 0\.010\)$/);
  });

  it('does not deploy when the minimum gain is out of reach', () => {
    const outcome = trainPropensity(engagementPopulation(200), { model: 'repurchase', settings: { ...SETTINGS, minimumAucGain: 0.5 }, trainedAtMs: TRAINED_AT, forest: FOREST });
    expect(outcome.modelFile).toBeUndefined();
    expect(outcome.report.metrics?.logistic.rocAuc).toBeGreaterThan(0.7);
    expect(outcome.report.decision.reason).toContain('minimum 0.500');
  });

  it('trains nothing with fewer labelled profiles than the minimum, naming the window', () => {
    const outcome = trainPropensity(engagementPopulation(30), { model: 'churn', settings: { ...SETTINGS, minimumProfiles: 50 }, trainedAtMs: TRAINED_AT, forest: FOREST });
    expect(outcome.report.metrics).toBeUndefined();
    expect(outcome.report.windows?.train.profiles).toBe(31);
    expect(outcome.report.decision).toEqual({
      deployed: false,
      reason: `not trained: the train window (cutoff ${new Date(day(300)).toISOString()}) has 31 labelled profiles, fewer than minimumProfiles (50)`,
    });
  });

  it('trains nothing when a window holds a single class', () => {
    // Everyone orders again within the horizon of both cutoffs: nobody churns.
    const loyal = Array.from({ length: 40 }, (_, i) => timeline(`l${i}`, [order(290 - i), order(310), order(340), ev(360, 'page')]));
    const outcome = trainPropensity(loyal, { model: 'churn', settings: SETTINGS, trainedAtMs: TRAINED_AT, forest: FOREST });
    expect(outcome.report.decision.reason).toMatch(/^not trained: the train window .* has a single class \(0 of 40 positive\)$/);
  });

  it('trains nothing without events', () => {
    expect(trainPropensity([], { model: 'churn', settings: SETTINGS, trainedAtMs: TRAINED_AT }).report.decision).toEqual({ deployed: false, reason: 'no events to train on' });
  });
});

describe('the random forest', () => {
  const split = splitWindows(engagementPopulation(200), 'repurchase', SETTINGS, day(360));

  it('round-trips through JSON and scores the same', () => {
    const forest = fitForest(split.train.x, split.train.y, FOREST);
    const stored = JSON.parse(JSON.stringify(forestParameters(forest))) as ReturnType<typeof forestParameters>;
    const loaded = loadForest(stored);
    expect(forestScores(loaded, split.test.x)).toEqual(forestScores(forest, split.test.x));
    expect(forestContributions(loaded, split.test.x.slice(0, 5))).toEqual(forestContributions(forest, split.test.x.slice(0, 5)));
  });

  it('is seeded: the same data and seed give the same forest', () => {
    const a = forestParameters(fitForest(split.train.x, split.train.y, FOREST));
    const b = forestParameters(fitForest(split.train.x, split.train.y, FOREST));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('learns the planted signal, with probabilities in [0, 1] and contributions against the mean', () => {
    const forest = fitForest(split.train.x, split.train.y, FOREST);
    const scores = forestScores(forest, split.test.x);
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    const clickers = split.test.x.flatMap((r, i) => ((r[clicked] as number) > 0 ? [scores[i] as number] : []));
    const others = split.test.x.flatMap((r, i) => ((r[clicked] as number) === 0 ? [scores[i] as number] : []));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(clickers)).toBeGreaterThan(mean(others) + 0.2);
    const { scores: s, contributions } = forestContributions(forest, [split.test.x[0] as number[]]);
    const probe = [...(split.test.x[0] as number[])];
    probe[clicked] = forest.means[clicked] as number;
    expect(contributions[0]?.[clicked]).toBeCloseTo((s[0] as number) - (forestScores(forest, [probe])[0] as number), 12);
  });

  it('deploys as a model file that loads and scores like the trained forest', () => {
    const outcome = trainPropensity(engagementPopulation(200), { model: 'repurchase', settings: { ...SETTINGS, minimumAucGain: 0 }, trainedAtMs: TRAINED_AT, forest: FOREST });
    const file = outcome.modelFile;
    expect(file).toBeDefined();
    if (file === undefined) return;
    // Whichever algorithm won, the stored file scores in [0, 1] after a JSON round trip.
    const loaded = loadModel(JSON.parse(JSON.stringify(file)));
    const { scores } = loaded.score(split.test.x.slice(0, 10));
    expect(scores.every((p) => p >= 0 && p <= 1)).toBe(true);
    const forestFile = { ...file, algorithm: 'random-forest' as const, forest: forestParameters(fitForest(split.train.x, split.train.y, FOREST)) };
    const viaFile = loadModel(JSON.parse(JSON.stringify(forestFile))).score(split.test.x.slice(0, 10)).scores;
    expect(viaFile).toEqual(forestScores(loadForest(forestFile.forest), split.test.x.slice(0, 10)));
  });
});

describe('loading a model file', () => {
  it("refuses a file whose features are not this version's", () => {
    const outcome = trainPropensity(engagementPopulation(200), { model: 'repurchase', settings: SETTINGS, trainedAtMs: TRAINED_AT, forest: FOREST });
    const file = outcome.modelFile;
    if (file === undefined) throw new Error('expected a model');
    expect(() => loadModel({ ...file, features: file.features.slice(1) })).toThrow(/are not this version's .* train again/);
  });
});
