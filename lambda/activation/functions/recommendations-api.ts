/**
 * Lambda entry of the recommendations API (a route of the HTTP API, payload
 * 2.0): `GET /profiles/{id}/recommendations` and `GET /items/{id}/similar`.
 *
 * Environment: ACTIVATION_TABLE (interactions, the catalog), PROFILE_TABLE
 * (the customer view, read-only), MODELS_BUCKET (the built-in model);
 * optional, set when Personalize is deployed: PERSONALIZE_CAMPAIGN_ARN,
 * PERSONALIZE_SIMILAR_CAMPAIGN_ARN, PERSONALIZE_FILTER_ARN.
 */
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import { S3Client } from '@aws-sdk/client-s3';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { config } from '../../config/load';
import { documentClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoCustomerViewReader } from '../adapters/dynamodb-customer-view';
import { DynamoInteractionStore } from '../adapters/dynamodb-interactions';
import { DynamoItemCatalog } from '../adapters/dynamodb-item-catalog';
import { PersonalizeRuntimeRecommender } from '../adapters/personalize-runtime';
import { S3DocumentStore } from '../adapters/s3-documents';
import { ACTIVATION_ENV } from '../contracts/env';
import { createRecommendationsApi } from '../handlers/recommendations-api';
import { cachedModel, recommendSettings } from '../usecases/recommend';

const optional = (name: string) => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};
const doc = traced(documentClient());
const table = requireEnv(ACTIVATION_ENV.table);
const campaignArn = optional(ACTIVATION_ENV.personalizeCampaignArn);
const similarCampaignArn = optional(ACTIVATION_ENV.personalizeSimilarCampaignArn);
const filterArn = optional(ACTIVATION_ENV.personalizeExcludePurchasedFilterArn);

const api = createRecommendationsApi({
  views: new DynamoCustomerViewReader(doc, requireEnv(ACTIVATION_ENV.profileTable), config),
  interactions: new DynamoInteractionStore(doc, table),
  catalog: new DynamoItemCatalog(doc, table),
  model: cachedModel(new S3DocumentStore(traced(new S3Client({})), requireEnv(ACTIVATION_ENV.modelsBucket))),
  ...(campaignArn === undefined && similarCampaignArn === undefined
    ? {}
    : {
        personalize: new PersonalizeRuntimeRecommender({
          runtime: traced(new PersonalizeRuntimeClient({ maxAttempts: 3 })),
          control: traced(new PersonalizeClient({ maxAttempts: 3 })),
          ...(campaignArn === undefined ? {} : { campaignArn }),
          ...(similarCampaignArn === undefined ? {} : { similarCampaignArn }),
          ...(filterArn === undefined ? {} : { filterArn }),
        }),
      }),
  settings: recommendSettings(config),
});

export const handler = withPowertools(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const response = await api(event);
    metrics.addMetric('RecommendationRequests', MetricUnit.Count, 1);
    const source = response.statusCode === 200 && typeof response.body === 'string' ? (JSON.parse(response.body) as { source?: string }).source : undefined;
    if (source !== undefined) metrics.addMetric(source === 'personalize' ? 'AnsweredByPersonalize' : 'AnsweredBuiltIn', MetricUnit.Count, 1);
    return response;
  } catch (err) {
    logger.error('recommendations request failed', err as Error);
    return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'internal', message: 'the request failed; see the function logs' }) };
  }
});
