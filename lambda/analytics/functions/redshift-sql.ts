/** Lambda entry of the deploy-time Redshift SQL custom resource (Provider framework: onEvent and isComplete). */
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { RedshiftDataRunner } from '../adapters/redshift-data';
import { createRedshiftSqlHandler, type RedshiftSqlEvent } from '../handlers/redshift-sql';
import { logger, traced, withPowertools } from '../../shared/powertools';

const client = traced(new RedshiftDataClient({}));
const run = createRedshiftSqlHandler({
  runnerFor: (target) => new RedshiftDataRunner(client, target),
  log: (message, details) => logger.info(message, { ...details }),
});

export const handler = withPowertools(async (event: RedshiftSqlEvent) => run(event));
