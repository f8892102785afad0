/**
 * Rebuilds the built-in recommender's model from every interaction
 * (InteractionStore.scan) and stores it under RECOMMENDER_MODEL_KEY, where
 * the recommendations API reads it. Deployed it runs on a schedule
 * (builtIn.rebuildEveryMinutes); locally while the runtime runs. An erased
 * profile's interactions are gone from the store, so the next model has
 * forgotten them (the model itself holds no profile id).
 */
import type { C360Config } from '../../config';
import { ModelBuilder, type BuildOptions } from '../core/recommend/co-occurrence';
import { RECOMMENDER_MODEL_KEY, type RecommenderModel } from '../contracts/recommendations';
import type { DocumentStore, InteractionStore } from '../ports';

export type RebuildSettings = Omit<BuildOptions, 'nowMs'>;

export function rebuildSettings(config: Pick<C360Config, 'activation'>): RebuildSettings {
  const b = config.activation.recommendations.builtIn;
  return { lookbackDays: b.lookbackDays, maxPerProfile: b.maxPerProfile, neighbours: b.neighbours };
}

export interface RebuildDeps {
  readonly interactions: InteractionStore;
  readonly documents: DocumentStore;
  readonly settings: RebuildSettings;
  readonly clock?: () => number;
}

export interface RebuildResult {
  readonly key: string;
  readonly builtAt: string;
  readonly counts: RecommenderModel['counts'];
  /** Interactions read from the store (older ones and those past maxPerProfile are not counted in the model). */
  readonly scanned: number;
}

export async function rebuildRecommender(deps: RebuildDeps): Promise<RebuildResult> {
  const nowMs = (deps.clock ?? Date.now)();
  const builder = new ModelBuilder({ ...deps.settings, nowMs });
  let scanned = 0;
  for await (const i of deps.interactions.scan()) {
    scanned++;
    builder.add(i);
  }
  const model = builder.build();
  await deps.documents.put(RECOMMENDER_MODEL_KEY, model);
  return { key: RECOMMENDER_MODEL_KEY, builtAt: model.builtAt, counts: model.counts, scanned };
}
