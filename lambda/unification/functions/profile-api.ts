/** Lambda entry of the profile API (API Gateway REST proxy integration, IAM auth). */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { config } from '../../config/load';
import { DynamoProfileStore } from '../adapters/dynamodb-profile-store';
import { DynamoSegmentStore } from '../adapters/dynamodb-segment-store';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { unifySettings } from '../settings';
import { unmergeProfile } from '../usecases/unmerge';
import { createProfileApi } from '../handlers/profile-api';

const logger = new Logger();
const doc = documentClient();
const store = new DynamoProfileStore(doc, requireEnv('TABLE_NAME'));
const settings = unifySettings(config);
const api = createProfileApi({
  store,
  identifierTypes: config.unification.identity.identifiers,
  defaultPhoneRegion: config.normalization.defaultPhoneRegion,
  segments: config.unification.segments,
  membership: new DynamoSegmentStore(doc, requireEnv('TABLE_NAME')),
  unmerge: (request) => {
    logger.info('unmerge requested', { ...request });
    return unmergeProfile(request, { store, settings });
  },
});

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    return await api(event);
  } catch (err) {
    logger.error('profile API request failed', err as Error);
    return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal', message: 'the request failed; see the function logs' }) };
  }
}
