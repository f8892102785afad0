/**
 * The training workflow's first task (a Step Functions Lambda task): the
 * answer is the state's output, `{ ready, reason?, interactions, users }`;
 * the workflow's Choice state reads `ready` and, when false, ends with
 * `reason`.
 */
import type { InteractionStore } from '../ports';
import { trainingCheck, type TrainingCheck, type TrainingThresholds } from '../usecases/training-check';

export interface TrainingCheckDeps {
  readonly interactions: InteractionStore;
  readonly thresholds: TrainingThresholds;
  readonly observe?: (check: TrainingCheck) => void;
}

export function createTrainingCheck(deps: TrainingCheckDeps) {
  return async (): Promise<TrainingCheck> => {
    const check = await trainingCheck(deps.interactions, deps.thresholds);
    deps.observe?.(check);
    return check;
  };
}
