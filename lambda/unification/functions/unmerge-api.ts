/**
 * Lambda entry of `POST /profiles/{id}/unmerge` on the profile API (API
 * Gateway REST proxy integration, IAM auth). It is its own function so that
 * only it holds write access to the profile table: an unmerge rewrites two
 * profiles and repoints identifiers in one transaction, while every other
 * route only reads (see profile-api.ts). The same handler serves it, given
 * the unmerge dependency and nothing else.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../../config/load';
import { DynamoProfileStore } from '../adapters/dynamodb-profile-store';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { UNIFICATION_ENV } from '../contracts/env';
import { unifySettings } from '../settings';
import { unmergeProfile } from '../usecases/unmerge';
import { createProfileApi } from '../handlers/profile-api';

const store = new DynamoProfileStore(traced(documentClient()), requireEnv(UNIFICATION_ENV.table), {
  journalRetentionDays: config.unification.identity.journalRetentionDays,
});
const settings = unifySettings(config);
const api = createProfileApi({
  store,
  identifierTypes: config.unification.identity.identifiers,
  defaultPhoneRegion: config.normalization.defaultPhoneRegion,
  unmerge: (request) => {
    logger.info('unmerge requested', { ...request });
    return unmergeProfile(request, { store, settings });
  },
});

export const handler = withPowertools(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  try {
    const response = await api(event);
    metrics.addMetric('UnmergeRequests', MetricUnit.Count, 1);
    return response;
  } catch (err) {
    logger.error('unmerge request failed', err as Error);
    return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal', message: 'the request failed; see the function logs' }) };
  }
});
