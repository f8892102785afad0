/** Lambda entry of the Athena views custom resource (the Provider framework's onEvent handler). */
import { AthenaClient } from '@aws-sdk/client-athena';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { logger, traced, withPowertools } from '../../shared/powertools';
import { AthenaStatements } from '../adapters/athena-statements';
import { createAthenaViewsHandler } from '../handlers/athena-views';

const handle = createAthenaViewsHandler({ athena: new AthenaStatements(traced(new AthenaClient({}))) });

export const handler = withPowertools(async (event: CloudFormationCustomResourceEvent, context: Context) => {
  // Names only: the statements are the shipped view files, but the log stays free of SQL text.
  logger.info('athena views', { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId });
  const response = await handle(event, context);
  logger.info('athena views done', { requestType: event.RequestType, views: response.Data.ViewCount });
  return response;
});
