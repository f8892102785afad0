/**
 * Lambda entry of the scheduled quality run: starts a Glue Data Quality
 * evaluation run per ruleset over its table's latest partition. Glue writes
 * the results to the governance bucket (quality/) and CloudWatch; its
 * results event raises the alarm when an error ruleset fails.
 *
 * Environment (QUALITY_ENV): the Glue database, the Data Quality role, the
 * results bucket and the rulesets. Logs carry table and ruleset names only.
 */
import { GlueClient } from '@aws-sdk/client-glue';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { requireEnv } from '../../shared/env';
import { logger, metrics, traced, withPowertools } from '../../shared/powertools';
import { GlueExportPartitions, GlueQualityRuns } from '../adapters/glue-quality';
import { QUALITY_ENV } from '../contracts/quality-dqdl';
import { createQualityRun, parseRulesets } from '../handlers/quality-run';

const database = requireEnv(QUALITY_ENV.database);
const glue = traced(new GlueClient({}));
const run = createQualityRun({
  rulesets: parseRulesets(requireEnv(QUALITY_ENV.rulesets)),
  partitions: new GlueExportPartitions(glue, database),
  runs: new GlueQualityRuns(glue, { database, roleArn: requireEnv(QUALITY_ENV.roleArn), resultsBucket: requireEnv(QUALITY_ENV.resultsBucket) }),
});

export const handler = withPowertools(async () => {
  const summary = await run();
  metrics.addMetric('QualityRunsStarted', MetricUnit.Count, summary.started.length);
  logger.info('quality runs started', { started: summary.started, skipped: summary.skipped });
  return summary;
});
