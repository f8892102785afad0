/**
 * The use cases and the job: models and reports in the models store, in a
 * crash-safe order; one addressed, de-duplicatable score event per customer
 * and deployed model, in batches; profiles without an address counted.
 */
import { describe, expect, it } from 'vitest';
import { SCORE_EVENT, type ScoreEventProperties } from '../../../lambda/activation/contracts/events';
import { currentModelKey, modelVersionKey, trainingReportKey, type PropensityModelFile, type TrainingReport } from '../../../lambda/activation/contracts/propensity';
import { createPropensityJob } from '../../../lambda/activation/handlers/propensity-job';
import type { ActivationEventWriter } from '../../../lambda/activation/ports';
import { scoreProfiles } from '../../../lambda/activation/usecases/score-profiles';
import { trainPropensityModels } from '../../../lambda/activation/usecases/train-propensity';
import { scoreEventPropertiesSchema } from '../../../lambda/unification/core/profile/scores';
import { MemoryDocuments, SETTINGS, day, engagementPopulation, ev, order, timeline } from './support/timelines';

const FOREST = { trees: 6, maxRows: 300 } as const;
const NOW = day(365) + 6 * 3_600_000;

class RecordingWriter implements ActivationEventWriter {
  readonly batches: Readonly<Record<string, unknown>>[][] = [];
  async put(events: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<void> {
    this.batches.push([...events]);
  }
  get events() {
    return this.batches.flat();
  }
}

describe('training both models', () => {
  it('puts a deployed model under its version, then as current, and always the report', async () => {
    const documents = new MemoryDocuments();
    const summary = await trainPropensityModels(engagementPopulation(200), { settings: SETTINGS, documents, now: () => NOW, forest: FOREST });
    expect(summary.models.map((m) => [m.model, m.deployed])).toEqual([
      ['churn', true],
      ['repurchase', true],
    ]);
    const version = 'churn-20270101T060000Z';
    expect(summary.models[0]).toMatchObject({ version, trainProfiles: 201, testProfiles: 201 });
    expect(documents.puts.slice(0, 3)).toEqual([modelVersionKey('churn', version), currentModelKey('churn'), trainingReportKey('churn', version)]);
    expect(await documents.get(currentModelKey('churn'))).toEqual(await documents.get(modelVersionKey('churn', version)));
    const report = await documents.get<TrainingReport>(trainingReportKey('churn', version));
    expect(report?.decision.deployed).toBe(true);
    // The data ends at its latest event (day 360), not at the clock.
    expect(report?.dataEnd).toBe(new Date(day(360)).toISOString());
  });

  it('keeps the previous current model when the new one is not deployed, and stores its report', async () => {
    const documents = new MemoryDocuments();
    await documents.put(currentModelKey('churn'), { version: 'churn-old' });
    await trainPropensityModels(engagementPopulation(200), { settings: { ...SETTINGS, minimumAucGain: 0.5 }, documents, now: () => NOW, forest: FOREST });
    expect(await documents.get(currentModelKey('churn'))).toEqual({ version: 'churn-old' });
    expect(await documents.list('models/propensity/churn/')).toEqual(['models/propensity/churn/current.json', 'models/propensity/churn/reports/churn-20270101T060000Z.json']);
  });

  it('does nothing when propensity is disabled', async () => {
    const documents = new MemoryDocuments();
    expect(await trainPropensityModels(engagementPopulation(50), { settings: { ...SETTINGS, enabled: false }, documents, now: () => NOW })).toEqual({ enabled: false, timelines: 51, models: [] });
    expect(documents.puts).toEqual([]);
  });
});

describe('scoring', () => {
  async function trained() {
    const documents = new MemoryDocuments();
    await trainPropensityModels(engagementPopulation(200), { settings: SETTINGS, documents, now: () => NOW, forest: FOREST });
    return documents;
  }
  const customers = [
    timeline('c-user', [order(300), ev(350, 'Email Link Clicked', 'email')], { userId: 'u-1', anonymousId: 'a-1' }),
    timeline('c-anon', [order(320)], { anonymousId: 'a-2' }),
    timeline('c-nobody', [order(330)], {}),
    timeline('c-browser', [ev(360, 'Product Viewed')], { userId: 'u-3' }),
  ];

  it('puts one score event per customer and model, addressed by userId else anonymousId, counting the unaddressable', async () => {
    const documents = await trained();
    const writer = new RecordingWriter();
    const summary = await scoreProfiles(customers, { settings: SETTINGS, documents, events: writer, now: () => NOW });
    expect(summary.customers).toBe(3);
    expect(summary.models).toEqual([
      { model: 'churn', version: 'churn-20270101T060000Z', scored: 2, unaddressable: 1 },
      { model: 'repurchase', version: 'repurchase-20270101T060000Z', scored: 2, unaddressable: 1 },
    ]);
    const events = writer.events;
    expect(events).toHaveLength(4);
    expect(events.map((e) => [e.userId, e.anonymousId])).toEqual([
      ['u-1', undefined],
      [undefined, 'a-2'],
      ['u-1', undefined],
      [undefined, 'a-2'],
    ]);
    const first = events[0] as Record<string, unknown>;
    expect(first).toMatchObject({ type: 'track', event: SCORE_EVENT, timestamp: new Date(NOW).toISOString() });
    const props = first.properties as ScoreEventProperties;
    expect(props).toMatchObject({ model: 'churn', modelVersion: 'churn-20270101T060000Z', scoredAt: new Date(NOW).toISOString() });
    expect(props.score).toBeGreaterThanOrEqual(0);
    expect(props.score).toBeLessThanOrEqual(1);
    expect(props.topFeatures).toHaveLength(SETTINGS.topFeatures);
    // The profile's fold takes every one of them as a score.
    for (const e of events) expect(scoreEventPropertiesSchema.safeParse(e.properties).success).toBe(true);
    // No personal data beyond the address: the profile id is not in the event.
    expect(JSON.stringify(events)).not.toContain('c-user');
  });

  it('gives a re-run on the same day the same messageIds, and another day new ones', async () => {
    const documents = await trained();
    const ids = async (nowMs: number) => {
      const writer = new RecordingWriter();
      await scoreProfiles(customers, { settings: SETTINGS, documents, events: writer, now: () => nowMs });
      return writer.events.map((e) => e.messageId as string);
    };
    const morning = await ids(NOW);
    expect(new Set(morning).size).toBe(4);
    expect(await ids(NOW + 10 * 3_600_000)).toEqual(morning);
    const tomorrow = await ids(NOW + 24 * 3_600_000);
    expect(tomorrow.some((id) => morning.includes(id))).toBe(false);
  });

  it('puts events in batches', async () => {
    const documents = await trained();
    const writer = new RecordingWriter();
    const many = Array.from({ length: 7 }, (_, i) => timeline(`m${i}`, [order(300 + i)], { userId: `u${i}` }));
    await scoreProfiles(many, { settings: SETTINGS, documents, events: writer, now: () => NOW, batchSize: 3 });
    expect(writer.batches.map((b) => b.length)).toEqual([3, 3, 1, 3, 3, 1]);
  });

  it('scores nothing for a model that is not deployed, and says so', async () => {
    const writer = new RecordingWriter();
    const summary = await scoreProfiles(customers, { settings: SETTINGS, documents: new MemoryDocuments(), events: writer, now: () => NOW });
    expect(summary.models).toEqual([
      { model: 'churn', scored: 0, unaddressable: 0, skipped: 'no deployed model' },
      { model: 'repurchase', scored: 0, unaddressable: 0, skipped: 'no deployed model' },
    ]);
    expect(writer.batches).toEqual([]);
  });

  it('refuses a model trained on another order event than the config names', async () => {
    const documents = await trained();
    const file = await documents.get<PropensityModelFile>(currentModelKey('churn'));
    await documents.put(currentModelKey('churn'), { ...file, orderEvent: 'Purchase' });
    const summary = await scoreProfiles(customers, { settings: SETTINGS, documents, events: new RecordingWriter(), now: () => NOW });
    expect(summary.models[0]).toMatchObject({ model: 'churn', scored: 0, skipped: expect.stringContaining('trained on Purchase') });
    expect(summary.models[1]).toMatchObject({ model: 'repurchase', scored: 2 });
  });
});

describe('the propensity job', () => {
  it('reads the timelines once, trains, then scores with the new models', async () => {
    let reads = 0;
    const population = engagementPopulation(200);
    const documents = new MemoryDocuments();
    const writer = new RecordingWriter();
    const job = createPropensityJob({
      settings: SETTINGS,
      source: {
        async timelines() {
          reads++;
          return population;
        },
      },
      documents,
      events: writer,
      now: () => NOW,
      forest: FOREST,
    });
    const summary = await job();
    expect(reads).toBe(1);
    expect(summary.timelines).toBe(201);
    expect(summary.training?.models.every((m) => m.deployed)).toBe(true);
    // Every customer has a userId: 201 events per model.
    expect(summary.scoring?.models.map((m) => m.scored)).toEqual([201, 201]);
    expect(writer.events).toHaveLength(402);
    expect(JSON.stringify(summary)).not.toMatch(/u-p0/);
  });

  it('reads nothing when propensity is disabled', async () => {
    const job = createPropensityJob({
      settings: { ...SETTINGS, enabled: false },
      source: {
        timelines: () => Promise.reject(new Error('must not be read')),
      },
      documents: new MemoryDocuments(),
      events: new RecordingWriter(),
    });
    expect(await job()).toEqual({ enabled: false, timelines: 0 });
  });
});

describe('a model file this version cannot read', () => {
  it('scores nobody with it, with the reason, and still runs the other model', async () => {
    const documents = new MemoryDocuments();
    await trainPropensityModels(engagementPopulation(200), { settings: SETTINGS, documents, now: () => NOW, forest: FOREST });
    const file = await documents.get<PropensityModelFile>(currentModelKey('churn'));
    await documents.put(currentModelKey('churn'), { ...file, features: ['recency'] });
    const summary = await scoreProfiles([timeline('c', [order(300)], { userId: 'u' })], { settings: SETTINGS, documents, events: new RecordingWriter(), now: () => NOW });
    expect(summary.models[0]).toMatchObject({ model: 'churn', scored: 0, skipped: expect.stringMatching(/not this version's/) });
    expect(summary.models[1]).toMatchObject({ model: 'repurchase', scored: 1 });
  });
});
