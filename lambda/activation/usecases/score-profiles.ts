/**
 * Scores every existing customer with each deployed model and puts one
 * `Propensity Scored` event per profile and model on the event stream, so
 * unification folds the score into the profile like any producer's event.
 *
 * Features are taken at `now` from the events before it; a profile with no
 * order before `now` is not a customer and is not scored. Each event is
 * addressed by the profile's userId, else its anonymousId; a profile with
 * neither is counted as unaddressable, not an error. The messageId comes
 * from the profile, the model version and the UTC day, so a second run the
 * same day repeats the same events (deduplicated downstream). Events go out
 * in batches of `batchSize`.
 */
import { SCORE_MODELS, type ActivationConfig, type ScoreModel } from '../../config/activation';
import { FEEDBACK_SOURCE, SCORE_EVENT } from '../contracts/events';
import { currentModelKey, type ProfileTimeline, type PropensityModelFile } from '../contracts/propensity';
import { eventAddress } from '../core/address';
import { FEATURES, featuresAt } from '../core/propensity/features';
import { loadModel, scoreMessageId, scoreProperties, topContributions, type LoadedModel } from '../core/propensity/score';
import type { ActivationEventWriter, DocumentStore } from '../ports';

export interface ScoreProfilesDeps {
  readonly settings: ActivationConfig['propensity'];
  readonly documents: DocumentStore;
  readonly events: ActivationEventWriter;
  readonly now: () => number;
  /** Events per put. @default 500 */
  readonly batchSize?: number;
}

export interface ModelScoringSummary {
  readonly model: ScoreModel;
  /** The version that scored; absent when no model is deployed. */
  readonly version?: string;
  /** Events put. */
  readonly scored: number;
  /** Customers with no userId or anonymousId to address the event to. */
  readonly unaddressable: number;
  /** Why the model scored nobody, when it did not run. */
  readonly skipped?: string;
}

export interface ScoreProfilesSummary {
  readonly enabled: boolean;
  /** Profiles with an order before now (the scored population). */
  readonly customers: number;
  readonly models: readonly ModelScoringSummary[];
}

export async function scoreProfiles(timelines: readonly ProfileTimeline[], deps: ScoreProfilesDeps): Promise<ScoreProfilesSummary> {
  if (!deps.settings.enabled) return { enabled: false, customers: 0, models: [] };
  const nowMs = deps.now();
  const batchSize = deps.batchSize ?? 500;
  const customers: { timeline: ProfileTimeline; row: number[] }[] = [];
  for (const timeline of timelines) {
    const row = featuresAt(timeline, nowMs, { orderEvent: deps.settings.orderEvent });
    if (row !== undefined) customers.push({ timeline, row });
  }
  const models: ModelScoringSummary[] = [];
  for (const model of SCORE_MODELS) {
    const file = await deps.documents.get<PropensityModelFile>(currentModelKey(model));
    if (file === undefined) {
      models.push({ model, scored: 0, unaddressable: 0, skipped: 'no deployed model' });
      continue;
    }
    let loaded: LoadedModel;
    try {
      loaded = loadModel(file);
    } catch (err) {
      // A model this version cannot read scores nobody, visibly; the other model still runs.
      models.push({ model, version: file.version, scored: 0, unaddressable: 0, skipped: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if (file.orderEvent !== deps.settings.orderEvent) {
      models.push({ model, version: file.version, scored: 0, unaddressable: 0, skipped: `the model was trained on ${file.orderEvent}, the config now says ${deps.settings.orderEvent}: train again` });
      continue;
    }
    let scored = 0;
    let unaddressable = 0;
    for (let start = 0; start < customers.length; start += batchSize) {
      const batch = customers.slice(start, start + batchSize);
      const { scores, contributions } = loaded.score(batch.map((c) => c.row));
      const events: Record<string, unknown>[] = [];
      batch.forEach((c, i) => {
        const { userId, anonymousId } = c.timeline.address;
        const address = eventAddress({ ...(userId === undefined ? {} : { userId: [userId] }), ...(anonymousId === undefined ? {} : { anonymousId: [anonymousId] }) });
        if (address === undefined) {
          unaddressable++;
          return;
        }
        const top = topContributions(FEATURES, c.row, contributions[i] as number[], deps.settings.topFeatures);
        events.push({
          type: 'track',
          event: SCORE_EVENT,
          messageId: scoreMessageId(c.timeline.profileId, file.version, nowMs),
          timestamp: new Date(nowMs).toISOString(),
          ...address,
          properties: scoreProperties(loaded, scores[i] as number, top, nowMs),
          context: { c360: { source: FEEDBACK_SOURCE } },
        });
      });
      if (events.length > 0) await deps.events.put(events);
      scored += events.length;
    }
    models.push({ model, version: file.version, scored, unaddressable });
  }
  return { enabled: true, customers: customers.length, models };
}
