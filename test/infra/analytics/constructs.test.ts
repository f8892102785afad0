/** The analytics constructs on their own: view files read at synth, input checks, and what the removal policy changes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { PROFILE_COLUMNS } from '../../../lambda/analytics/contracts/curated';
import { AthenaViews, readShippedViews } from '../../../lib/constructs/analytics/athena-views';
import { AthenaWorkgroup } from '../../../lib/constructs/analytics/athena-workgroup';
import { CuratedTables } from '../../../lib/constructs/analytics/curated-tables';
import { SegmentHistory } from '../../../lib/constructs/analytics/segment-history';
import { DataKey } from '../../../lib/constructs/common/data-key';
import { AccessLogsBucket, DataBucket } from '../../../lib/constructs/common/secure-bucket';
import { SYNTH_TIMEOUT_MS } from '../../support/infra-fixture';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };

const dirs: string[] = [];
function viewDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'views-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(removalPolicy: RemovalPolicy = RemovalPolicy.DESTROY) {
  const stack = new Stack(new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } }), 'AnalyticsScratch', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const key = new DataKey(stack, 'Key', { description: 'test', removalPolicy });
  const accessLogsBucket = new AccessLogsBucket(stack, 'AccessLogs', { removalPolicy });
  const bucket = new DataBucket(stack, 'Curated', { encryptionKey: key, accessLogsBucket, accessLogsPrefix: 'c/', removalPolicy });
  return { stack, key, accessLogsBucket, bucket, removalPolicy };
}

const VIEW_A = '-- Profiles of the latest export.\nCREATE OR REPLACE VIEW a_view AS\nSELECT 1 AS x;\n';
const VIEW_B = '-- Reads a_view.\nCREATE OR REPLACE VIEW b_view AS\nSELECT x FROM a_view\n';

describe('readShippedViews', () => {
  it('reads every NNN-name.sql file in creation order, ignoring other files', () => {
    const views = readShippedViews(viewDir({ '020-b_view.sql': VIEW_B, '010-a_view.sql': VIEW_A, 'README.md': '# views' }));
    expect(views.map((v) => [v.file, v.name])).toEqual([
      ['010-a_view.sql', 'a_view'],
      ['020-b_view.sql', 'b_view'],
    ]);
    expect(views[0]?.sql).toBe('CREATE OR REPLACE VIEW a_view AS\nSELECT 1 AS x');
  });

  it('fails synth naming the file when a view file is malformed', () => {
    expect(() => readShippedViews(viewDir({ '010-a_view.sql': 'CREATE OR REPLACE VIEW a_view AS SELECT 1' }))).toThrow(/010-a_view\.sql: start with a -- comment/);
  });

  it('fails synth when the folder is missing or holds no view file', () => {
    expect(() => readShippedViews(viewDir({ 'notes.sql': '-- x\nSELECT 1' }))).toThrow(/holds no view file/);
    expect(() => readShippedViews(join(tmpdir(), 'no-such-views-dir-c360'))).toThrow(/cannot read the view files/);
  });

  it('reads the shipped views of the repository', () => {
    expect(readShippedViews().map((v) => v.name)).toEqual(expect.arrayContaining(['customers_overview']));
  });
});

describe('input checks', () => {
  it('CuratedTables refuses profile columns that do not start with profile_id or repeat a name', () => {
    const { stack, bucket } = scratch();
    const props = { databaseName: 'db', curatedBucket: bucket, removalPolicy: RemovalPolicy.DESTROY };
    expect(() => new CuratedTables(stack, 'T1', { ...props, profileColumns: PROFILE_COLUMNS.slice(1) })).toThrow(/start with profile_id/);
    expect(() => new CuratedTables(stack, 'T2', { ...props, profileColumns: [...PROFILE_COLUMNS, { name: 'email', type: 'string' }] })).toThrow(
      /column email twice/,
    );
  });

  it('AthenaWorkgroup refuses a scan cutoff below Athena\'s 10 MB minimum', () => {
    const { stack, key, accessLogsBucket } = scratch();
    expect(
      () => new AthenaWorkgroup(stack, 'Wg', { key, accessLogsBucket, bytesScannedCutoffPerQuery: 1_000_000, resultsRetentionDays: 7, removalPolicy: RemovalPolicy.DESTROY }),
    ).toThrow(/at least 10000000/);
  });

  it('SegmentHistory refuses buffering Firehose does not offer', () => {
    const { stack, key, bucket } = scratch();
    const bus = new events.EventBus(stack, 'Bus');
    expect(
      () =>
        new SegmentHistory(stack, 'H', {
          segmentBus: bus,
          curatedBucket: bucket,
          key,
          logRetention: logs.RetentionDays.ONE_DAY,
          removalPolicy: RemovalPolicy.DESTROY,
          buffering: { intervalSeconds: 60, sizeMiB: 500 },
        }),
    ).toThrow(/1 to 128 MiB/);
  });
});

describe('removal policy', () => {
  function views(removalPolicy: RemovalPolicy) {
    const { stack, key, accessLogsBucket } = scratch(removalPolicy);
    const workgroup = new AthenaWorkgroup(stack, 'Athena', { key, accessLogsBucket, bytesScannedCutoffPerQuery: 10_000_000, resultsRetentionDays: 7, removalPolicy });
    new AthenaViews(stack, 'Views', {
      views: readShippedViews(viewDir({ '010-a_view.sql': VIEW_A })),
      workgroup,
      databaseName: 'db',
      lakeKey: key,
      logEncryptionKey: key,
      logRetention: logs.RetentionDays.ONE_DAY,
      removalPolicy,
    });
    return Template.fromStack(stack);
  }

  it('with destroy, lets CloudFormation send Delete (the views are dropped) and deletes the workgroup with its saved queries', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const template = views(RemovalPolicy.DESTROY);
    const [resource] = Object.values(template.findResources('Custom::AthenaViews'));
    expect(resource?.DeletionPolicy).toBe('Delete');
    template.hasResourceProperties('AWS::Athena::WorkGroup', { RecursiveDeleteOption: true });
  });

  it('with retain, keeps the views and the workgroup', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const template = views(RemovalPolicy.RETAIN);
    expect(Object.values(template.findResources('Custom::AthenaViews'))[0]?.DeletionPolicy).toBe('Retain');
    expect(Object.values(template.findResources('AWS::Athena::WorkGroup'))[0]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { RecursiveDeleteOption: false },
    });
  });

  it('passes a changed view file to the resource, so that CloudFormation updates it', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const sqlOf = (text: string) => {
      const { stack, key, accessLogsBucket } = scratch();
      const workgroup = new AthenaWorkgroup(stack, 'Athena', { key, accessLogsBucket, bytesScannedCutoffPerQuery: 10_000_000, resultsRetentionDays: 7, removalPolicy: RemovalPolicy.DESTROY });
      new AthenaViews(stack, 'Views', {
        views: readShippedViews(viewDir({ '010-a_view.sql': text })),
        workgroup,
        databaseName: 'db',
        lakeKey: key,
        logEncryptionKey: key,
        logRetention: logs.RetentionDays.ONE_DAY,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      return Object.values(Template.fromStack(stack).findResources('Custom::AthenaViews'))[0]?.Properties.Views;
    };
    expect(sqlOf(VIEW_A)).toEqual([{ Name: 'a_view', Sql: 'CREATE OR REPLACE VIEW a_view AS\nSELECT 1 AS x' }]);
    expect(sqlOf(VIEW_A.replace('1 AS x', '2 AS x'))).toEqual([{ Name: 'a_view', Sql: 'CREATE OR REPLACE VIEW a_view AS\nSELECT 2 AS x' }]);
  });
});
