/** Lambda entry of the profile API (API Gateway REST proxy integration, IAM auth). */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { config } from '../../lib/app-config';
import { DynamoProfileStore } from '../adapters/dynamodb-profile-store';
import { documentClient } from '../commons/clients';
import { requireEnv } from '../commons/env';
import { createProfileApi } from './profile-api-handler';

const logger = new Logger();
const api = createProfileApi({
  store: new DynamoProfileStore(documentClient(), requireEnv('TABLE_NAME')),
  identifierTypes: config.unification.identity.identifiers,
  defaultPhoneRegion: config.normalization.defaultPhoneRegion,
});

export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    return await api(event);
  } catch (err) {
    logger.error('profile lookup failed', err as Error);
    return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal', message: 'lookup failed; see the function logs' }) };
  }
}
