import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERASURE_STORES } from '../../../lambda/governance/contracts/erasure';
import { actionsOf, roleStatements, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../../support/infra-fixture';

const ANALYST = 'arn:aws:iam::123456789012:role/analysts';

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;

/** The tag associations of one table (by name), as `column → value` per tag key, and the table's own tag. */
function tagsOf(template: Template, table: string) {
  const columns: Record<string, Record<string, string>> = {};
  let tableClass: string | undefined;
  for (const a of Object.values(template.findResources('AWS::LakeFormation::TagAssociation') as Resources)) {
    const tag = a.Properties.LFTags[0] as { TagKey: string; TagValues: string[] };
    const r = a.Properties.Resource;
    if (r.Table?.Name === table) tableClass = tag.TagValues[0];
    if (r.TableWithColumns?.Name === table) {
      for (const column of r.TableWithColumns.ColumnNames as string[]) (columns[column] ??= {})[tag.TagKey] = tag.TagValues[0] as string;
    }
  }
  return { tableClass, columns };
}

function functionRole(template: Template, idPrefix: string): string {
  const entry = Object.entries(template.findResources('AWS::Lambda::Function') as Resources).find(([id]) => id.startsWith(idPrefix));
  if (entry === undefined) throw new Error(`no function ${idPrefix}`);
  return (entry[1].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

describe('governance stack', () => {
  let t: TestApp;
  let template: Template;
  let classKey: string;
  let domainKey: string;
  beforeAll(() => {
    t = testApp({ governance: { roles: { analyst: { sees: ['none', 'indirect'], principals: [ANALYST] } } } });
    template = t.template('governance');
    classKey = t.stacks.governance.lakeFormation?.classTagKey ?? 'no Lake Formation';
    domainKey = t.stacks.governance.lakeFormation?.domainTagKey ?? 'no Lake Formation';
  }, SYNTH_TIMEOUT_MS);

  describe('Lake Formation', () => {
    it('names its LF-tags c360:class and c360:domain after the app and the deployment, and publishes the keys', () => {
      expect(classKey).toMatch(/^c360:class:c360-[0-9a-f]{8}$/);
      expect(domainKey).toMatch(/^c360:domain:c360-[0-9a-f]{8}$/);
      template.hasResourceProperties('AWS::LakeFormation::Tag', { TagKey: classKey, TagValues: ['direct', 'indirect', 'none'] });
      template.hasResourceProperties('AWS::LakeFormation::Tag', { TagKey: domainKey });
      expect(Object.values(template.findOutputs('*')).map((o) => o.Value)).toEqual(expect.arrayContaining([classKey, domainKey]));
    });

    it('makes the CDK deploy role (CloudFormation execution role) a data lake admin, appending to the admins', () => {
      template.hasResourceProperties('AWS::LakeFormation::DataLakeSettings', {
        MutationType: 'APPEND',
        Admins: [{ DataLakePrincipalIdentifier: { 'Fn::Sub': Match.stringLikeRegexp('cfn-exec-role') } }],
      });
    });

    it('tags the columns of the curated profiles table from the classification: email direct, event_count none, the table direct', () => {
      const { tableClass, columns } = tagsOf(template, 'profiles');
      expect(tableClass).toBe('direct');
      expect(columns.email?.[classKey]).toBe('direct');
      expect(columns.email?.[domainKey]).toBe('contact');
      expect(columns.event_count?.[classKey]).toBe('none');
      expect(columns.profile_id?.[classKey]).toBe('indirect');
      // Partition keys are tagged too, so that a role that sees only `none` can still filter on them.
      expect(columns.export_id?.[classKey]).toBe('none');
    });

    it('tags every table of the lake database, the audit log and the raw events included', () => {
      for (const table of ['raw_events', 'quarantine', 'profiles', 'identities', 'segment_events', 'audit_log', 'profile_snapshot']) {
        expect(tagsOf(template, table).tableClass, table).toBeDefined();
      }
      expect(tagsOf(template, 'raw_events').columns.context?.[classKey]).toBe('direct');
      expect(tagsOf(template, 'raw_events').columns.dt?.[classKey]).toBe('none');
    });

    it('grants the analyst SELECT and DESCRIBE by a tag expression that leaves direct columns out', () => {
      const grants = Object.values(template.findResources('AWS::LakeFormation::PrincipalPermissions') as Resources).filter(
        (g) => g.Properties.Principal.DataLakePrincipalIdentifier === ANALYST,
      );
      const byTag = grants.find((g) => g.Properties.Resource.LFTagPolicy !== undefined);
      expect(byTag?.Properties.Permissions).toEqual(['SELECT', 'DESCRIBE']);
      expect(byTag?.Properties.PermissionsWithGrantOption).toEqual([]);
      expect(byTag?.Properties.Resource.LFTagPolicy).toMatchObject({ ResourceType: 'TABLE', Expression: [{ TagKey: classKey, TagValues: ['none', 'indirect'] }] });
      expect(grants.some((g) => g.Properties.Resource.Database !== undefined)).toBe(true);
    });

    it('grants the steward role nothing without principals, and every service reader through the tags', () => {
      const principals = Object.values(template.findResources('AWS::LakeFormation::PrincipalPermissions') as Resources).map((g) =>
        JSON.stringify(g.Properties.Principal.DataLakePrincipalIdentifier),
      );
      expect(principals.some((p) => p.includes('CrawlerRole'))).toBe(true);
      expect(principals.some((p) => p.includes('WarehouseRole'))).toBe(true);
      expect(principals.some((p) => p.includes('ViewsFunction'))).toBe(true);
    });

    it('registers raw/, quarantine/, exports/ and segment_events/ with its own role, not the service-linked role', () => {
      const locations = Object.values(template.findResources('AWS::LakeFormation::Resource') as Resources);
      expect(locations).toHaveLength(4);
      for (const l of locations) {
        expect(l.Properties.UseServiceLinkedRole).toBe(false);
        expect(l.Properties.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LakeFormationDataAccessRole/), 'Arn'] });
      }
      const arns = locations.map((l) => JSON.stringify(l.Properties.ResourceArn));
      for (const prefix of ['/raw"', '/quarantine"', '/exports"', '/segment_events"']) expect(arns.some((a) => a.endsWith(`${prefix}]]}`)), prefix).toBe(true);
    });

    it('leaves IAM_ALLOWED_PRINCIPALS out of the lake database, so no table of it is governed by IAM alone', () => {
      t.template('collection').hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { CreateTableDefaultPermissions: [] } });
    });

    it('denies direct reads of raw/ and quarantine/ to every principal but the lake readers and the writers', () => {
      const policies = Object.values(t.template('collection').findResources('AWS::S3::BucketPolicy') as Resources);
      const deny = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).find((s: any) => s.Sid === 'DenyReadsOutsideLakeFormation');
      expect(deny.Effect).toBe('Deny');
      expect(deny.Action).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
      expect(JSON.stringify(deny.Condition.ArnNotLike['aws:PrincipalArn'])).toContain(':role/c360/lake-readers/*');
    });

    it('writes no data lake settings with existingAdmins, and checks the deploy role is an admin instead', { timeout: SYNTH_TIMEOUT_MS }, () => {
      const existing = testApp({ governance: { lakeFormation: { existingAdmins: true } } }).template('governance');
      existing.resourceCountIs('AWS::LakeFormation::DataLakeSettings', 0);
      existing.hasResourceProperties('Custom::C360LakeFormationCheck', {
        DeployRoleArn: { 'Fn::Sub': Match.stringLikeRegexp('cfn-exec-role') },
        Bootstrap: Match.stringLikeRegexp('Lake Formation bootstrap'),
      });
      const tagIds = Object.entries(existing.findResources('AWS::LakeFormation::Tag') as Resources);
      for (const [, tag] of tagIds) expect(tag.DependsOn?.some((d) => d.startsWith('LakeFormationCheck'))).toBe(true);
    });

    it('deploys no Lake Formation resource, and leaves the database defaults, when disabled', { timeout: SYNTH_TIMEOUT_MS }, () => {
      const off = testApp({ governance: { lakeFormation: { enabled: false } } });
      for (const type of ['AWS::LakeFormation::DataLakeSettings', 'AWS::LakeFormation::Tag', 'AWS::LakeFormation::TagAssociation', 'AWS::LakeFormation::PrincipalPermissions']) {
        off.template('governance').resourceCountIs(type, 0);
      }
      const db = Object.values(off.template('collection').findResources('AWS::Glue::Database') as Resources)[0];
      expect(db?.Properties.DatabaseInput.CreateTableDefaultPermissions).toBeUndefined();
    });
  });

  describe('suppression list', () => {
    it('is a PITR table keyed by h under the collection key, with a generated 32-character HMAC key under the same key', () => {
      const collection = t.template('collection');
      collection.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: 'h', KeyType: 'HASH' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamKey'), 'Arn'] } },
      });
      collection.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true },
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamKey'), 'Arn'] },
      });
      collection.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    });

    it('is checked by the collector, the file import and the consumer with point reads only', () => {
      const check = (pillar: 'collection' | 'unification', fn: string) => {
        const tpl = t.template(pillar);
        const role = functionRole(tpl, fn);
        const actions = actionsOf(roleStatements(tpl, role));
        expect(actions, fn).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'secretsmanager:GetSecretValue']));
        const fnResource = Object.entries(tpl.findResources('AWS::Lambda::Function') as Resources).find(([id]) => id.startsWith(fn))?.[1];
        expect(Object.keys(fnResource?.Properties.Environment.Variables ?? {}), fn).toEqual(expect.arrayContaining(['SUPPRESSION_TABLE', 'HASH_KEY_SECRET_ARN']));
      };
      check('collection', 'HttpCollectorHandler');
      check('collection', 'BatchImportFileImport');
      check('unification', 'UnifyConsumer');
    });
  });

  describe('audit log', () => {
    it('is a Direct PUT stream encrypted with the governance key into audit/dt=<day>/ of the governance bucket', () => {
      template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK' },
        ExtendedS3DestinationConfiguration: Match.objectLike({
          Prefix: 'audit/dt=!{timestamp:yyyy-MM-dd}/',
          BucketARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuditBucket'), 'Arn'] },
        }),
      });
      template.hasResourceProperties('AWS::Glue::Table', {
        TableInput: Match.objectLike({
          Name: 'audit_log',
          Parameters: Match.objectLike({ 'projection.enabled': 'true', 'projection.dt.type': 'date' }),
          PartitionKeys: [Match.objectLike({ Name: 'dt' })],
        }),
      });
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'expire-audit-log', Prefix: 'audit/', ExpirationInDays: 2555 })]) },
      });
    });

    it('is written by the profile API, segment changes and the profile export through policies of this stack', () => {
      const writers = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
        p.Properties.PolicyDocument.Statement.some((s: any) => JSON.stringify(s.Action).includes('firehose:PutRecordBatch')),
      );
      const roles = writers.flatMap((p) => p.Properties.Roles).map((r: unknown) => JSON.stringify(r));
      for (const fn of ['ProfileApiHandler', 'SegmentChanges', 'ProfileExportFunction', 'ErasureReceipt', 'PrivacyHandler']) {
        expect(roles.some((r) => r.includes(fn)), fn).toBe(true);
      }
      const profileApi = Object.values(t.template('unification').findResources('AWS::Lambda::Function') as Resources).find((f) =>
        JSON.stringify(f.Properties.Role).includes('ProfileApiHandler'),
      );
      expect(profileApi?.Properties.Environment.Variables.AUDIT_DELIVERY_STREAM).toBe('c360-governance-audit');
    });
  });

  describe('CloudTrail', () => {
    it('records management events and data events on the profile table and the lake and curated objects, validated and encrypted', () => {
      const trail = Object.values(template.findResources('AWS::CloudTrail::Trail') as Resources)[0];
      expect(trail?.Properties.EnableLogFileValidation).toBe(true);
      expect(trail?.Properties.KMSKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] });
      const selectors = trail?.Properties.AdvancedEventSelectors as Array<{ FieldSelectors: Array<Record<string, unknown>> }>;
      const field = (s: (typeof selectors)[number], name: string) => s.FieldSelectors.find((f) => f.Field === name);
      expect(selectors.some((s) => (field(s, 'eventCategory')?.Equals as string[])[0] === 'Management')).toBe(true);
      const table = selectors.find((s) => (field(s, 'resources.type')?.Equals as string[] | undefined)?.[0] === 'AWS::DynamoDB::Table');
      expect(JSON.stringify(field(table!, 'resources.ARN')?.Equals)).toContain('ProfileTable');
      const objects = selectors.find((s) => (field(s, 'resources.type')?.Equals as string[] | undefined)?.[0] === 'AWS::S3::Object');
      const starts = JSON.stringify(field(objects!, 'resources.ARN')?.StartsWith);
      expect(starts).toContain('LakeBucket');
      expect(starts).toContain('CuratedBucket');
    });
  });

  describe('erasure workflow', () => {
    it('has one branch per store, each retried and caught into a failed report, then the receipt, the wait and the redshift step again', () => {
      const sm = Object.values(template.findResources('AWS::StepFunctions::StateMachine') as Resources)[0];
      // References (function ARNs) sit inside JSON strings of the definition: stand-ins keep it parseable.
      const definition = (sm?.Properties.DefinitionString['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'ref')).join('');
      const parsed = JSON.parse(definition) as { StartAt: string; States: Record<string, any> };
      expect(parsed.StartAt).toBe('ResolveSubject');
      const parallel = parsed.States.EraseEveryStore;
      expect(parallel.Type).toBe('Parallel');
      expect(parallel.Branches).toHaveLength(ERASURE_STORES.length);
      for (const branch of parallel.Branches) {
        const task = branch.States[branch.StartAt];
        expect(task.Retry.some((r: any) => r.MaxAttempts === 3 && r.BackoffRate === 2)).toBe(true);
        const caught = branch.States[task.Catch[0].Next];
        expect(caught.Parameters.status).toBe('failed');
      }
      expect(parallel.Next).toBe('WriteReceipt');
      expect(parsed.States.WriteReceipt.Next).toBe('WaitForStreamRetention');
      expect(parsed.States.WaitForStreamRetention.Seconds).toBe(24 * 3600);
      expect(parsed.States.WaitForStreamRetention.Next).toBe('EraseRedshiftAgain');
      expect(parsed.States.EraseRedshiftAgain.Next).toBe('FinalReceipt');
      expect(sm?.Properties.TracingConfiguration).toEqual({ Enabled: true });
      expect(sm?.Properties.LoggingConfiguration).toMatchObject({ IncludeExecutionData: false, Level: 'ALL' });
    });

    it('deploys one function per store, each with only its store\'s grants', () => {
      const fns = Object.entries(template.findResources('AWS::Lambda::Function') as Resources).filter(([id]) => id.startsWith('ErasureStep'));
      expect(fns.map(([, f]) => f.Properties.Environment.Variables.ERASURE_STORE).sort()).toEqual([...ERASURE_STORES].sort());
      const actionsOfStore = (store: string) => {
        const [, fn] = fns.find(([, f]) => f.Properties.Environment.Variables.ERASURE_STORE === store)!;
        return actionsOf(roleStatements(template, (fn.Properties.Role as any)['Fn::GetAtt'][0]));
      };
      const profiles = actionsOfStore('profiles');
      expect(profiles).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']));
      // The work object is its only S3 access.
      expect(profiles.filter((a) => a.startsWith('s3:'))).toEqual(['s3:GetObject']);
      expect(actionsOfStore('raw-lake').filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
      expect(actionsOfStore('raw-lake')).toEqual(expect.arrayContaining(['s3:DeleteObjectVersion', 's3:ListBucketVersions', 's3:PutObject']));
      expect(actionsOfStore('matching')).toContain('entityresolution:BatchDeleteUniqueId');
      expect(actionsOfStore('curated')).not.toContain('entityresolution:BatchDeleteUniqueId');
      expect(actionsOfStore('redshift')).toEqual(expect.arrayContaining(['redshift-data:ExecuteStatement', 'redshift-serverless:GetCredentials']));
      expect(actionsOfStore('redshift').filter((a) => a.startsWith('s3:'))).toEqual(['s3:GetObject']);
      expect(actionsOfStore('query-results')).not.toContain('s3:PutObject');
    });
  });

  describe('privacy API', () => {
    it('serves POST /privacy/erasures, GET /privacy/erasures/{id} and DELETE /privacy/suppressions, all AWS_IAM', () => {
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method') as Resources);
      expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['DELETE', 'GET', 'POST']);
      for (const m of methods) expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
      template.hasOutput('PrivacyApiUrl', {});
      template.hasOutput('ErasureStateMachineArn', {});
    });

    it('lets its function start the erasure and manage the suppression list', () => {
      const actions = actionsOf(roleStatements(template, functionRole(template, 'PrivacyHandler')));
      expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 'dynamodb:DeleteItem', 'firehose:PutRecordBatch', 'secretsmanager:GetSecretValue']));
    });
  });
});
