/**
 * The first step of the Personalize training workflow: is there enough data
 * to train? Personalize needs at least minInteractions interactions and
 * minUsersWithTwoInteractions users with two or more
 * (config.activation.recommendations.personalize). Counted over the
 * recorded interactions (InteractionStore.scan), the same the event tracker
 * was sent. Not ready: the workflow ends with the reason, and no training
 * (or bill) starts.
 */
import type { C360Config } from '../../config';
import type { InteractionStore } from '../ports';

export interface TrainingThresholds {
  readonly minInteractions: number;
  readonly minUsersWithTwoInteractions: number;
}

export function trainingThresholds(config: Pick<C360Config, 'activation'>): TrainingThresholds {
  const p = config.activation.recommendations.personalize;
  return { minInteractions: p.minInteractions, minUsersWithTwoInteractions: p.minUsersWithTwoInteractions };
}

export type TrainingCheck =
  | { readonly ready: true; readonly interactions: number; readonly users: number }
  | { readonly ready: false; readonly reason: string; readonly interactions: number; readonly users: number };

/** `users`: profiles with at least two interactions. */
export async function trainingCheck(interactions: InteractionStore, thresholds: TrainingThresholds): Promise<TrainingCheck> {
  let count = 0;
  const perProfile = new Map<string, number>();
  for await (const i of interactions.scan()) {
    count++;
    perProfile.set(i.profileId, (perProfile.get(i.profileId) ?? 0) + 1);
  }
  let users = 0;
  for (const n of perProfile.values()) if (n >= 2) users++;
  if (count < thresholds.minInteractions || users < thresholds.minUsersWithTwoInteractions) {
    return {
      ready: false,
      reason: `${count} interactions and ${users} users with 2+ interactions; Personalize needs at least ${thresholds.minInteractions} and ${thresholds.minUsersWithTwoInteractions}`,
      interactions: count,
      users,
    };
  }
  return { ready: true, interactions: count, users };
}
