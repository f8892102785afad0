/**
 * Lambda entry of the public unsubscribe endpoint (an API Gateway Lambda
 * proxy integration, REST payload 1.0 or HTTP API 2.0): `GET|POST /unsubscribe?token=…`.
 *
 * Environment: UNSUBSCRIBE_KEY_SECRET_ARN (the signing key, read once per
 * cold start), PROFILE_TABLE (the customer view, read-only),
 * EVENT_STREAM_NAME (the consent decisions).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { config } from '../../config/load';
import { documentClient, kinesisClient } from '../../shared/clients';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { DynamoCustomerViewReader } from '../adapters/dynamodb-customer-view';
import { kinesisActivationEvents } from '../adapters/kinesis-activation-events';
import { secretsUnsubscribeKey } from '../adapters/secrets-unsubscribe-key';
import { ACTIVATION_ENV } from '../contracts/env';
import { createUnsubscribeHandler, type UnsubscribeEvent } from '../handlers/unsubscribe';
import { unsubscribeSettingsOf } from '../usecases/unsubscribe';

const secrets = traced(new SecretsManagerClient({}));
const keySecret = requireEnv(ACTIVATION_ENV.unsubscribeKeySecret);

const respond = createUnsubscribeHandler({
  key: () => secretsUnsubscribeKey(secrets, keySecret),
  views: new DynamoCustomerViewReader(traced(documentClient()), requireEnv(ACTIVATION_ENV.profileTable), config),
  // Fewer SDK attempts: API Gateway gives an HTTP API integration 30 s at most.
  events: kinesisActivationEvents(traced(kinesisClient({ maxAttempts: 3 })), requireEnv(ACTIVATION_ENV.eventStream)),
  settings: unsubscribeSettingsOf(config),
  observe: ({ method, statusCode, reason, campaign }) => {
    metrics.addMetric(statusCode === 200 && method === 'POST' ? 'Unsubscribed' : statusCode >= 400 ? 'UnsubscribeRefused' : 'UnsubscribePageShown', MetricUnit.Count, 1);
    // The reason and the campaign only: the token names a profile.
    if (statusCode >= 400) logger.info('unsubscribe request refused', { method, statusCode, reason });
    else logger.debug('unsubscribe request answered', { method, statusCode, campaign });
  },
});

export const handler = withPowertools(async (event: UnsubscribeEvent): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    return await respond(event);
  } catch (err) {
    logger.error('unsubscribe request failed unexpectedly', err as Error);
    return {
      statusCode: 500,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      body: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Try again</title></head><body><h1>Something went wrong</h1><p>Your request was not recorded. Please try the link again in a few minutes.</p></body></html>',
    };
  }
});
