/**
 * Lambda entry of the training workflow's first task (Step Functions):
 * enough interactions to train Personalize?
 *
 * Environment: ACTIVATION_TABLE (interactions).
 */
import { config } from '../../config/load';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, traced, withPowertools } from '../../shared/powertools';
import { DynamoInteractionStore } from '../adapters/dynamodb-interactions';
import { ACTIVATION_ENV } from '../contracts/env';
import { createTrainingCheck } from '../handlers/training-check';
import { trainingThresholds } from '../usecases/training-check';

const check = createTrainingCheck({
  interactions: new DynamoInteractionStore(traced(documentClient()), requireEnv(ACTIVATION_ENV.table)),
  thresholds: trainingThresholds(config),
  observe: (c) => logger.info(c.ready ? 'enough data to train' : 'not enough data to train', { ...c }),
});

export const handler = withPowertools(() => check());
