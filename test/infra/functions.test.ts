import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUILD_OPTIONS, C360Function } from '../../lib/constructs/common/c360-function';
import { PILLARS, roleStatements, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../support/infra-fixture';

describe('every Lambda function', () => {
  let t: TestApp;
  beforeAll(() => {
    t = testApp({ logRetentionDays: 14 });
  }, SYNTH_TIMEOUT_MS);

  const allFunctions = () =>
    PILLARS.flatMap((pillar) => {
      const template = t.template(pillar);
      return Object.entries(template.findResources('AWS::Lambda::Function'))
        // CDK's own handler for S3 bucket notifications (deploy time only; see lib/constructs/collection/batch-import.ts).
        .filter(([id]) => !id.startsWith('BucketNotificationsHandler050a0587b7544547bf325f094a3db834'))
        // CDK's own deploy-time functions: the custom-resource framework in front of the Athena views and Redshift SQL
        // functions (lib/constructs/analytics/athena-views.ts, redshift-sql.ts), and AwsCustomResource's singleton
        // that reads the Redshift namespace's admin secret (lib/constructs/analytics/redshift-serverless.ts).
        .filter(([id, fn]) => !String(fn.Properties.Handler).startsWith('framework.') && !id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'))
        .map(([id, fn]) => ({ pillar, template, id, fn }));
    });

  it('exists where expected (collector, file import, consumer, profile API, segments, batch matching, profile export, view and warehouse SQL, recommendations, training check, propensity, messaging, erasure steps, privacy API)', () => {
    expect(allFunctions().map((f) => `${f.pillar}/${f.id.replace(/[0-9A-F]{8}$/, '')}`).sort()).toEqual([
      'activation/MessagingCampaignSchedule',
      'activation/MessagingFeedback',
      'activation/MessagingUnsubscribe',
      'activation/PropensityJob',
      'activation/RecommendationsApi',
      'activation/RecommendationsInteractions',
      'activation/RecommendationsItemImport',
      'activation/RecommendationsRebuild',
      'activation/TrainingCheck',
      'analytics/ProfileExportFunction',
      'analytics/ViewsFunction',
      'analytics/WarehouseSqlHandler',
      'collection/BatchImportFileImport',
      'collection/HttpCollectorHandler',
      'governance/DataQualityRunFunction',
      'governance/ErasureReceipt',
      'governance/ErasureResolve',
      'governance/ErasureStepActivation',
      'governance/ErasureStepAudienceExports',
      'governance/ErasureStepCurated',
      'governance/ErasureStepLanding',
      'governance/ErasureStepMatching',
      'governance/ErasureStepPersonalize',
      'governance/ErasureStepProfiles',
      'governance/ErasureStepQuarantine',
      'governance/ErasureStepQueryResults',
      'governance/ErasureStepRawLake',
      'governance/ErasureStepRedshift',
      'governance/ErasureStepSegmentEvents',
      'governance/PrivacyHandler',
      'unification/ApplyMatches',
      'unification/EntityResolutionSnapshotExport',
      'unification/ProfileApiHandler',
      'unification/SegmentsSegmentChanges',
      'unification/SegmentsSegmentRecheck',
      'unification/UnifyConsumer',
      'unification/UnmergeHandler',
    ]);
  });

  it('runs Node.js 22 on arm64 with active tracing, an ESM index.handler and the Powertools environment', () => {
    for (const { id, fn } of allFunctions()) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Handler, id).toBe('index.handler');
      expect(fn.Properties.Environment.Variables, id).toMatchObject({
        POWERTOOLS_SERVICE_NAME: expect.any(String),
        POWERTOOLS_METRICS_NAMESPACE: 'c360',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
  });

  it('logs to its own log group with the configured retention', () => {
    const seen = new Set<string>();
    for (const { id, fn, template } of allFunctions()) {
      const logGroupRef = fn.Properties.LoggingConfig?.LogGroup as { Ref: string } | undefined;
      expect(logGroupRef?.Ref, id).toBeDefined();
      const logGroup = template.findResources('AWS::Logs::LogGroup')[logGroupRef!.Ref];
      expect(logGroup?.Properties.RetentionInDays, id).toBe(14);
      expect(seen.has(logGroupRef!.Ref), id).toBe(false);
      seen.add(logGroupRef!.Ref);
    }
  });

  it('has a role without managed policies, writing only to its own log group', () => {
    for (const { id, fn, template } of allFunctions()) {
      const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const role = template.findResources('AWS::IAM::Role')[roleId];
      expect(role?.Properties.ManagedPolicyArns, id).toBeUndefined();
      const logStatements = roleStatements(template, roleId).filter((s) => JSON.stringify(s.Action).includes('logs:'));
      expect(logStatements, id).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] },
        },
      ]);
    }
  });

  it('uses Resource "*" only for actions with no resource-level permissions: X-Ray, the stream listing of a DynamoDB stream mapping, and the Data API statement status', () => {
    for (const pillar of PILLARS) {
      const template = t.template(pillar);
      for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
        // The custom-resource framework's waiter state machine (CDK's own, deploy time only): log delivery takes no resource.
        if (id.includes('Providerwaiterstatemachine')) continue;
        for (const statement of policy.Properties.PolicyDocument.Statement) {
          if (JSON.stringify(statement.Resource).includes('"*"')) {
            expect(statement.Resource, `${pillar}/${id}`).toBe('*');
            const actions = [statement.Action].flat() as string[];
            // DescribeStatement has no resource-level permission; the Redshift SQL function's statement is scoped by condition to its own statements.
            if ((id.startsWith('WarehouseSqlHandler') || id.startsWith('ErasureStepRedshift')) && actions.length === 1 && actions[0] === 'redshift-data:DescribeStatement') continue;
            // The Lake Formation admin check (existingAdmins only) reads the account's settings, which take no resource.
            if (id.startsWith('LakeFormationCheckFunction') && actions.length === 1 && actions[0] === 'lakeformation:GetDataLakeSettings') continue;
            // Glue Data Quality publishes its run metrics: PutMetricData takes no resource (the statement is limited to its namespace).
            if (id.startsWith('DataQualityRole') && actions.length === 1 && actions[0] === 'cloudwatch:PutMetricData') continue;
            // The erasure and Personalize training state machines: X-Ray and log delivery take no resource.
            if (id.startsWith('ErasureStateMachineRole') || id.startsWith('TrainingStateMachineRole')) continue;
            expect(actions, `${pillar}/${id}`).toEqual(expect.arrayContaining(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']));
            // dynamodb:ListStreams takes no resource; only the stream mapping's function has it. Neither does
            // lakeformation:GetDataAccess, which the propensity job's Athena queries of the governed lake take.
            const others = actions.filter((a) => !a.startsWith('xray:'));
            const expected = id.startsWith('SegmentsSegmentChanges') ? ['dynamodb:ListStreams'] : id.startsWith('PropensityJobServiceRole') ? ['lakeformation:GetDataAccess'] : [];
            expect(others, `${pillar}/${id}`).toEqual(expected);
          }
        }
      }
    }
  });
});

describe('C360Function wiring', () => {
  function scratch() {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Scratch');
    const fn = new C360Function(stack, 'Fn', {
      entry: 'lambda/unification/functions/profile-api.ts',
      serviceName: 'scratch',
      timeout: Duration.seconds(5),
      logRetention: logs.RetentionDays.ONE_DAY,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return { stack, fn, bucket: new s3.Bucket(stack, 'Bucket') };
  }

  it('refuses a putObjects prefix that is not a literal folder', () => {
    const { fn, bucket } = scratch();
    expect(() => fn.putObjects(bucket, { envVar: 'B', prefix: 'quarantine/*' })).toThrow(/prefix/);
    expect(() => fn.putObjects(bucket, { envVar: 'B', prefix: '' })).toThrow(/prefix/);
    expect(() => fn.putObjects(bucket, { envVar: 'B', prefix: 'quarantine' })).toThrow(/prefix/);
    expect(() => fn.putObjects(bucket, { envVar: 'B', prefix: '/quarantine/' })).toThrow(/prefix/);
    expect(() => fn.putObjects(bucket, { envVar: 'B', prefix: 'quarantine/source=web/' })).not.toThrow();
  });
});

describe('Lambda bundles', () => {
  it('leave out only what the Node.js 22 runtime provides: @smithy packages it lacks, such as the X-Ray SDK\'s service-error-classification, are bundled', async () => {
    const result = await build({
      entryPoints: [C360Function.projectPath('lambda/unification/functions/profile-snapshot.ts')],
      outdir: 'bundle',
      write: false,
      metafile: true,
      ...BUNDLE_BUILD_OPTIONS,
      minify: false,
      mainFields: [...BUNDLE_BUILD_OPTIONS.mainFields],
      external: [...BUNDLE_BUILD_OPTIONS.external],
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const externals = new Set(Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path)));
    expect(inputs.some((p) => p.includes('node_modules/aws-xray-sdk-core/'))).toBe(true);
    expect(inputs.some((p) => p.includes('node_modules/@smithy/service-error-classification/'))).toBe(true);
    expect([...externals].filter((p) => p.startsWith('@smithy/'))).toEqual(['@smithy/node-http-handler']);
  });
});
