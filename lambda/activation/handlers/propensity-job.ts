/**
 * The scheduled propensity job (config.activation.propensity.schedule), as
 * a portable factory: the Lambda entry and the local runtime call the same
 * job. One run reads the customers' timelines once, trains both models
 * (deploying those that beat the recency baseline), then scores every
 * customer with each deployed model. The summary holds counts, metrics and
 * decisions only, never a profile id or an identifier.
 */
import type { ActivationConfig } from '../../config/activation';
import type { TrainingSource } from '../contracts/propensity';
import type { ForestOptions } from '../core/propensity/forest';
import type { ActivationEventWriter, DocumentStore } from '../ports';
import { scoreProfiles, type ScoreProfilesSummary } from '../usecases/score-profiles';
import { trainPropensityModels, type TrainPropensitySummary } from '../usecases/train-propensity';

export interface PropensityJobDeps {
  readonly settings: ActivationConfig['propensity'];
  readonly source: TrainingSource;
  readonly documents: DocumentStore;
  readonly events: ActivationEventWriter;
  /** @default Date.now */
  readonly now?: () => number;
  readonly forest?: ForestOptions;
  /** Score events per put. @default 500 */
  readonly batchSize?: number;
}

export interface PropensityJobSummary {
  readonly enabled: boolean;
  readonly timelines: number;
  readonly training?: TrainPropensitySummary;
  readonly scoring?: ScoreProfilesSummary;
}

export function createPropensityJob(deps: PropensityJobDeps): () => Promise<PropensityJobSummary> {
  const now = deps.now ?? Date.now;
  return async () => {
    if (!deps.settings.enabled) return { enabled: false, timelines: 0 };
    const timelines = await deps.source.timelines();
    const training = await trainPropensityModels(timelines, {
      settings: deps.settings,
      documents: deps.documents,
      now,
      ...(deps.forest === undefined ? {} : { forest: deps.forest }),
    });
    const scoring = await scoreProfiles(timelines, {
      settings: deps.settings,
      documents: deps.documents,
      events: deps.events,
      now,
      ...(deps.batchSize === undefined ? {} : { batchSize: deps.batchSize }),
    });
    return { enabled: true, timelines: timelines.length, training, scoring };
  };
}
