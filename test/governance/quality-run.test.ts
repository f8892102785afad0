/** The scheduled quality run: one Glue Data Quality run per ruleset over its table's latest partition, through the Glue adapters. */
import { GetPartitionsCommand, GlueClient, StartDataQualityRulesetEvaluationRunCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { GlueExportPartitions, GlueQualityRuns } from '../../lambda/governance/adapters/glue-quality';
import type { QualityRuleset } from '../../lambda/governance/contracts/quality-dqdl';
import { createQualityRun, parseRulesets } from '../../lambda/governance/handlers/quality-run';

const glue = mockClient(GlueClient);
beforeEach(() => glue.reset());

const RULESETS: QualityRuleset[] = [
  { table: 'raw_events', severity: 'error', name: 'q-raw_events-error' },
  { table: 'raw_events', severity: 'warn', name: 'q-raw_events-warn' },
  { table: 'profiles', severity: 'error', name: 'q-profiles-error' },
  { table: 'identities', severity: 'error', name: 'q-identities-error' },
];
const NOW = new Date('2026-12-01T03:10:00.000Z');

function deployed(now = NOW) {
  const client = new GlueClient({ region: 'eu-west-1' });
  return createQualityRun({
    rulesets: RULESETS,
    partitions: new GlueExportPartitions(client, 'c360_lake'),
    runs: new GlueQualityRuns(client, { database: 'c360_lake', roleArn: 'arn:aws:iam::123456789012:role/dq', resultsBucket: 'governance-bucket' }),
    now: () => now,
  });
}

describe('the quality run', () => {
  it('starts one run per ruleset: a day table over the run\'s day and the one before, an export table over its latest export', async () => {
    glue.on(GetPartitionsCommand, { TableName: 'profiles' }).resolvesOnce({ Partitions: [{ Values: ['20261130T000000Z'] }], NextToken: 't' }).resolvesOnce({ Partitions: [{ Values: ['20261201T020000Z'] }, { Values: ['20261129T000000Z'] }] });
    glue.on(GetPartitionsCommand, { TableName: 'identities' }).resolves({ Partitions: [] });
    let n = 0;
    glue.on(StartDataQualityRulesetEvaluationRunCommand).callsFake(() => ({ RunId: `run-${++n}` }));

    const summary = await deployed()();

    const calls = glue.commandCalls(StartDataQualityRulesetEvaluationRunCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.RulesetNames, c.DataSource?.GlueTable?.TableName, c.DataSource?.GlueTable?.AdditionalOptions?.pushDownPredicate])).toEqual([
      [['q-raw_events-error'], 'raw_events', "dt >= '2026-11-30'"],
      [['q-raw_events-warn'], 'raw_events', "dt >= '2026-11-30'"],
      [['q-profiles-error'], 'profiles', "export_id = '20261201T020000Z'"],
    ]);
    expect(calls[0]).toMatchObject({
      DataSource: { GlueTable: { DatabaseName: 'c360_lake' } },
      Role: 'arn:aws:iam::123456789012:role/dq',
      AdditionalRunOptions: { CloudWatchMetricsEnabled: true, ResultsS3Prefix: 's3://governance-bucket/quality/' },
    });
    expect(summary.started.map((s) => s.runId)).toEqual(['run-1', 'run-2', 'run-3']);
    expect(summary.skipped).toEqual(['identities']);
    // Partitions listed once per table, not per ruleset.
    expect(glue.commandCalls(GetPartitionsCommand).filter((c) => c.args[0].input.TableName === 'profiles')).toHaveLength(2);
  });

  it('gives a retried invocation within the hour the same client tokens, and a later run new ones', async () => {
    glue.on(GetPartitionsCommand).resolves({ Partitions: [{ Values: ['20261201T020000Z'] }] });
    glue.on(StartDataQualityRulesetEvaluationRunCommand).resolves({ RunId: 'r' });
    await deployed(new Date('2026-12-01T03:10:00.000Z'))();
    await deployed(new Date('2026-12-01T03:50:00.000Z'))();
    await deployed(new Date('2026-12-01T04:10:00.000Z'))();
    const tokens = glue.commandCalls(StartDataQualityRulesetEvaluationRunCommand).map((c) => c.args[0].input.ClientToken as string);
    expect(tokens.slice(0, 4)).toEqual(tokens.slice(4, 8));
    expect(new Set(tokens.slice(0, 4)).size).toBe(4);
    expect(tokens.slice(8).some((t) => tokens.slice(0, 4).includes(t))).toBe(false);
  });

  it('fails when Glue starts no run', async () => {
    glue.on(GetPartitionsCommand).resolves({ Partitions: [{ Values: ['20261201T020000Z'] }] });
    glue.on(StartDataQualityRulesetEvaluationRunCommand).resolves({});
    await expect(deployed()()).rejects.toThrow(/started no run for ruleset q-raw_events-error/);
  });
});

describe('parseRulesets', () => {
  it('reads the rulesets the stack wrote and refuses anything else', () => {
    expect(parseRulesets(JSON.stringify(RULESETS))).toEqual(RULESETS);
    expect(() => parseRulesets('{"table":"x"}')).toThrow(/JSON array/);
    expect(() => parseRulesets('[{"table":"raw_events","severity":"fatal","name":"x"}]')).toThrow(/JSON array/);
  });
});
