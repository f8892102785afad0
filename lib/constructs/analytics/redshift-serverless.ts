/**
 * The Redshift Serverless warehouse of the analytics pillar: a namespace
 * (encrypted with the analytics key, admin password managed in Secrets
 * Manager) and a private workgroup with enhanced VPC routing, streaming
 * ingestion from the event stream into a materialized view, Spectrum over the
 * lake's Glue database, and real-time views — all created at deploy time from
 * the SQL files under `sql/redshift/`.
 *
 * Cost (README-ready; us-east-1 list prices, on-demand):
 *
 * - Compute is billed per RPU-hour while the workgroup runs queries, per
 *   second with a 60-second minimum per run. The figure used here is
 *   $0.375 per RPU-hour (REDSHIFT_RPU_HOUR_USD): an assumption taken from the
 *   public price list at the time of writing; check the Redshift pricing page
 *   for your Region. Base capacity is `analytics.redshift.baseCapacityRpu`
 *   (8 RPUs, the smallest, by default), so an hour of work costs about
 *   8 x $0.375 = $3.
 * - `streamingRefresh: 'auto'` keeps the streaming view refreshing all the
 *   time, so the workgroup never idles: 8 RPU x 24 h x 30 d x $0.375 ≈ $2,160
 *   a month at base capacity, before any query.
 * - A scheduled refresh (the default: hourly) bills only while each refresh
 *   runs: a refresh that finishes within a minute bills the 60-second minimum,
 *   8 RPU x 1/60 h x $0.375 = $0.05, so 24 refreshes a day ≈ $36 a month.
 * - The VPC this construct creates (when the config gives none) has no NAT
 *   gateway; its interface endpoints (Glue, Kinesis) bill per AZ-hour (about
 *   $0.01 each, so 2 endpoints x 3 AZs ≈ $44 a month) plus per GB. The S3
 *   gateway endpoint is free.
 * - Redshift managed storage, Spectrum scans (per TB) and the Secrets
 *   Manager secret are billed separately.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, Duration, Fn, Stack, Token, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as redshiftserverless from 'aws-cdk-lib/aws-redshiftserverless';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { C360Config } from '../../../lambda/config';
import { EXPORTS_PREFIX } from '../../../lambda/analytics/contracts/curated';
import { REDSHIFT_DIR } from '../../../lambda/analytics/contracts/views';
import { C360Function } from '../common/c360-function';
import type { IDataKey } from '../common/data-key';
import { acknowledgeWildcardResource } from '../common/nag';
import { NAME_RULES, uniquePhysicalName } from '../common/physical-names';
import { parseConfig } from '../../../lambda/config';
import { RedshiftSql, recreateEventsStreamStatements, redshiftGovernanceStatements, type RedshiftStatement } from './redshift-sql';

/** The statements, then the erasure's procedure that replays those over the streaming view. */
const withRecreateProcedure = (statements: RedshiftStatement[]) => [...statements, ...recreateEventsStreamStatements(statements)];

/** On-demand price of one RPU-hour assumed by the cost note above (us-east-1, USD). */
export const REDSHIFT_RPU_HOUR_USD = 0.375;
/** Shortest billed run of a Redshift Serverless workload, in hours (60 seconds). */
const MIN_BILLED_HOURS = 1 / 60;

/**
 * The monthly (30-day) compute estimate of the cost note at base capacity,
 * in USD: around the clock with `auto`, else one minimum-billed run per
 * scheduled refresh. Queries, storage and endpoints come on top.
 */
export function estimateMonthlyRefreshComputeUsd(config: Pick<RedshiftConfig, 'baseCapacityRpu' | 'streamingRefresh'>): number {
  const hours = config.streamingRefresh === 'auto' ? 24 * 30 : ((24 * 60) / config.streamingRefresh.everyMinutes) * 30 * MIN_BILLED_HOURS;
  return config.baseCapacityRpu * hours * REDSHIFT_RPU_HOUR_USD;
}

/** The database the namespace creates; the SQL runs there. */
export const REDSHIFT_DATABASE = 'c360';
/** The namespace's admin user (its password is generated and kept in Secrets Manager by Redshift). */
export const REDSHIFT_ADMIN_USER = 'c360_admin';
/** What the scheduled refresh runs (see sql/redshift/060-refresh_events_stream.sql). */
export const REFRESH_EVENTS_STREAM_SQL = 'CALL refresh_events_stream()';

/** Construct id of the function the CDK's AwsCustomResource shares in a stack. */
const AWS_CUSTOM_RESOURCE_SINGLETON = 'AWS679f53fac002430cb0da5b7982bd2287';

/** The placeholders the SQL files may use, filled at synthesis. */
export const REDSHIFT_SQL_PLACEHOLDERS = ['stream_name', 'role_arn', 'glue_database', 'auto_refresh'] as const;
export type RedshiftSqlPlaceholder = (typeof REDSHIFT_SQL_PLACEHOLDERS)[number];
export type RedshiftSqlValues = Readonly<Record<RedshiftSqlPlaceholder, string>>;

const SQL_FILE = /^(\d{3})-([a-z][a-z0-9_]*)\.sql$/;
/** What each placeholder's value may look like (checked when the value is known at synthesis, not a token). */
const VALUE_CHECKS: Readonly<Record<RedshiftSqlPlaceholder, RegExp>> = {
  stream_name: /^[A-Za-z0-9_.-]{1,128}$/,
  role_arn: /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/,
  glue_database: /^[A-Za-z0-9_-]{1,255}$/,
  auto_refresh: /^(YES|NO)$/,
};

/** Splits SQL text into statements at `;`, outside quotes, dollar-quoted bodies and comments. */
export function splitSqlStatements(text: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    const rest = text.slice(i);
    if (rest.startsWith('--')) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
    if (dollar !== null) {
      const tag = dollar[0];
      const end = text.indexOf(tag, i + tag.length);
      if (end === -1) throw new Error(`unterminated ${tag} body`);
      current += text.slice(i, end + tag.length);
      i = end + tag.length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === ch) {
          if (text[j + 1] === ch) j++;
          else break;
        }
      }
      if (j >= text.length) throw new Error(`unterminated ${ch === "'" ? 'string' : 'quoted identifier'}`);
      current += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === ';') {
      if (current.trim().length > 0) statements.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  if (current.trim().length > 0) statements.push(current.trim());
  return statements;
}

/**
 * The statements of one `sql/redshift/NNN-name.sql` file with the
 * placeholders (`{{name}}`) filled, named after the file (`020-events_stream#2`
 * for its second statement). Throws naming the file on a bad name, a missing
 * leading comment, an unknown placeholder or a value that would break the SQL.
 */
export function redshiftFileStatements(file: string, text: string, values: RedshiftSqlValues): RedshiftStatement[] {
  const named = SQL_FILE.exec(file);
  if (named === null) throw new Error(`${file}: a Redshift SQL file is named NNN-name.sql`);
  if (!/^\s*--\s*\S/.test(text)) throw new Error(`${file}: start with a -- comment saying what the statements do`);
  let templates: string[];
  try {
    templates = splitSqlStatements(text.replace(/\r\n/g, '\n'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  if (templates.length === 0) throw new Error(`${file}: no statement`);
  const base = file.replace(/\.sql$/, '');
  return templates.map((template, index) => ({
    name: templates.length === 1 ? base : `${base}#${index + 1}`,
    sql: fillPlaceholders(file, template, values),
  }));
}

function fillPlaceholders(file: string, template: string, values: RedshiftSqlValues): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, key: string) => {
    if (!(REDSHIFT_SQL_PLACEHOLDERS as readonly string[]).includes(key)) {
      throw new Error(`${file}: unknown placeholder {{${key}}} (known: ${REDSHIFT_SQL_PLACEHOLDERS.join(', ')})`);
    }
    const value = values[key as RedshiftSqlPlaceholder];
    if (!Token.isUnresolved(value) && !VALUE_CHECKS[key as RedshiftSqlPlaceholder].test(value)) {
      throw new Error(`${file}: {{${key}}} = ${JSON.stringify(value)} is not a valid value`);
    }
    return value;
  });
}

/** The files of `sql/redshift/` (name → text), from the repository. */
export function readRedshiftSqlFiles(dir: string = C360Function.projectPath(REDSHIFT_DIR)): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql'))) files[file] = readFileSync(join(dir, file), 'utf8');
  return files;
}

/** Every file's statements, in file order. */
export function redshiftStatements(values: RedshiftSqlValues, files: Readonly<Record<string, string>> = readRedshiftSqlFiles()): RedshiftStatement[] {
  return Object.keys(files)
    .sort()
    .flatMap((file) => redshiftFileStatements(file, files[file] as string, values));
}

export type RedshiftConfig = C360Config['analytics']['redshift'];

export interface RedshiftWarehouseProps {
  /** The deployment's name: the namespace and workgroup are `<app>-warehouse-<suffix>` (lower case; the suffix unique to the deployment, physical-names.ts). */
  readonly appName: string;
  /** `analytics.redshift` of the config. */
  readonly config: RedshiftConfig;
  /** The event stream the streaming view reads. */
  readonly stream: kinesis.IStream;
  /** The stream's customer-managed key (Redshift needs kms:Decrypt on it to read records). */
  readonly streamKey: kms.IKey;
  /** The analytics key: encrypts the namespace (and, if it is a DataKey, the construct's log groups). */
  readonly key: kms.IKey | IDataKey;
  /**
   * The Glue database Spectrum reads as schema `lake`. Spectrum sees the
   * tables whose partitions are registered in the catalog: the curated
   * exports (the export registers each one). `raw_events` and `quarantine`
   * use partition projection, which Spectrum ignores, so their history is
   * queried in Athena; Redshift has the events from the stream.
   */
  readonly lakeDatabaseName: string;
  /** The curated zone and its key: Spectrum reads the exports. */
  readonly curatedBucket: s3.IBucket;
  readonly curatedKey: kms.IKey;
  /** @default EXPORTS_PREFIX (`exports/`) */
  readonly curatedPrefix?: string;
  /** Applied to the namespace, the workgroup and the log groups. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of the construct's log groups (VPC flow logs, the SQL function, the waiter). */
  readonly logRetention: logs.RetentionDays;
  /**
   * The deployment's config, whose PII classification and governance roles
   * become Redshift roles with masked views (redshiftGovernanceStatements).
   * @default the default classification and roles (analyst, steward)
   */
  readonly governance?: C360Config;
}

function isDataKey(key: kms.IKey | IDataKey): key is IDataKey {
  return typeof (key as Partial<IDataKey>).allowCloudWatchLogs === 'function';
}

/** Subnets in three Availability Zones: the stack's own when known, else the Region's first three. */
function threeAzs(stack: Stack): string[] {
  const known = stack.availabilityZones.filter((az) => !Token.isUnresolved(az));
  if (known.length >= 3) return known.slice(0, 3);
  return [0, 1, 2].map((i) => Fn.select(i, Fn.getAzs()));
}

const PREFIX = /^([A-Za-z0-9!_.'()=-]+\/)+$/;

/**
 * Redshift Serverless with streaming ingestion and Spectrum. See the cost note
 * at the top of this file: `streamingRefresh: 'auto'` bills around the clock.
 *
 * The admin password is generated by Redshift and kept in a Secrets Manager
 * secret it manages. CloudFormation returns no attribute for that secret, so
 * its ARN is read with GetNamespace (`adminPasswordSecretArn`) by a
 * deploy-time SDK call and published as an output.
 */
export class RedshiftWarehouse extends Construct {
  public readonly namespace: redshiftserverless.CfnNamespace;
  public readonly workgroup: redshiftserverless.CfnWorkgroup;
  /** The role Redshift assumes (namespace default): stream, Glue catalog and lake reads. */
  public readonly role: iam.Role;
  public readonly securityGroup: ec2.SecurityGroup;
  /** The VPC this construct made (undefined when the config names one). */
  public readonly vpc?: ec2.Vpc;
  public readonly sql: RedshiftSql;
  /** The scheduled refresh of the streaming view (undefined when it refreshes itself). */
  public readonly refreshRule?: events.Rule;
  public readonly namespaceName: string;
  public readonly workgroupName: string;
  public readonly database = REDSHIFT_DATABASE;
  /** ARN of the admin password's secret (managed by Redshift), read at deploy time. */
  public readonly adminSecretArn: string;

  constructor(scope: Construct, id: string, props: RedshiftWarehouseProps) {
    super(scope, id);
    const { config } = props;
    if (!config.enabled) throw new Error('RedshiftWarehouse: analytics.redshift.enabled is false; do not create the warehouse');
    const stack = Stack.of(this);
    const name = uniquePhysicalName(this, `${props.appName}-warehouse`, NAME_RULES.redshiftServerless);
    this.namespaceName = name;
    this.workgroupName = name;
    const curatedPrefix = props.curatedPrefix ?? EXPORTS_PREFIX;
    if (!PREFIX.test(curatedPrefix)) throw new Error(`RedshiftWarehouse: prefix must be a literal folder ending in "/", got "${curatedPrefix}"`);
    const logKey = isDataKey(props.key) ? props.key : undefined;
    logKey?.allowCloudWatchLogs();

    // --- Network: three AZs, no public access; enhanced VPC routing sends COPY, Spectrum and streaming traffic through the VPC.
    let vpc: ec2.IVpc;
    let subnetIds: string[];
    if (config.vpc === undefined) {
      this.vpc = new ec2.Vpc(this, 'Vpc', {
        availabilityZones: threeAzs(stack),
        natGateways: 0,
        subnetConfiguration: [{ name: 'warehouse', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
        // Nothing uses the default security group; restricting it would deploy one more Lambda-backed custom resource.
        restrictDefaultSecurityGroup: false,
      });
      this.vpc.addFlowLog('FlowLog', {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(
          new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy, encryptionKey: logKey }),
        ),
        trafficType: ec2.FlowLogTrafficType.ALL,
      });
      vpc = this.vpc;
      subnetIds = this.vpc.isolatedSubnets.map((s) => s.subnetId);
    } else {
      // The given VPC's routing to S3, Glue and Kinesis (endpoints or NAT) is its owner's; see the config's docs.
      vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: config.vpc.vpcId, availabilityZones: threeAzs(stack) });
      subnetIds = [...config.vpc.subnetIds];
    }
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'c360 Redshift Serverless workgroup: no inbound rule; the Data API needs none',
      allowAllOutbound: true,
    });
    const endpoints: Construct[] = [];
    if (this.vpc !== undefined) {
      // No NAT: with enhanced VPC routing, every AWS service the warehouse reaches needs an endpoint.
      // S3 (Spectrum reads the lake and curated zone): the free gateway endpoint.
      endpoints.push(this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 }));
      // Glue Data Catalog (Spectrum reads the table definitions and partitions) and Kinesis Data
      // Streams (streaming ingestion reads the shards from the workgroup's network): HTTPS from
      // the workgroup's security group only.
      for (const [endpointId, service] of [
        ['GlueEndpoint', ec2.InterfaceVpcEndpointAwsService.GLUE],
        ['KinesisEndpoint', ec2.InterfaceVpcEndpointAwsService.KINESIS_STREAMS],
      ] as const) {
        const endpoint = this.vpc.addInterfaceEndpoint(endpointId, { service, privateDnsEnabled: true, open: false });
        endpoint.connections.allowDefaultPortFrom(this.securityGroup, 'HTTPS from the Redshift workgroup');
        endpoints.push(endpoint);
      }
      // No STS or KMS endpoint: Redshift obtains the role's credentials through its own control
      // plane, and S3 and Kinesis call KMS on the warehouse's behalf for the encrypted data.
    }

    // --- The role Redshift assumes: read the stream, the catalog and the lake; nothing else.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('redshift-serverless.amazonaws.com'),
        new iam.ServicePrincipal('redshift.amazonaws.com'),
      ),
      description: `c360 (${props.appName}): Redshift streaming ingestion and Spectrum`,
    });
    this.grantReads(props, curatedPrefix);

    // --- Namespace and workgroup.
    this.namespace = new redshiftserverless.CfnNamespace(this, 'Namespace', {
      namespaceName: this.namespaceName,
      dbName: REDSHIFT_DATABASE,
      adminUsername: REDSHIFT_ADMIN_USER,
      manageAdminPassword: true,
      kmsKeyId: props.key.keyArn,
      defaultIamRoleArn: this.role.roleArn,
      iamRoles: [this.role.roleArn],
      logExports: ['userlog', 'connectionlog', 'useractivitylog'],
    });
    this.namespace.applyRemovalPolicy(props.removalPolicy);
    this.namespace.node.addDependency(this.role);

    this.workgroup = new redshiftserverless.CfnWorkgroup(this, 'Workgroup', {
      workgroupName: this.workgroupName,
      namespaceName: this.namespaceName,
      baseCapacity: config.baseCapacityRpu,
      subnetIds,
      securityGroupIds: [this.securityGroup.securityGroupId],
      publiclyAccessible: false,
      enhancedVpcRouting: true,
      configParameters: [
        // The stream's name is mixed case: the streaming view names it in double quotes.
        { parameterKey: 'enable_case_sensitive_identifier', parameterValue: 'true' },
        { parameterKey: 'enable_user_activity_logging', parameterValue: 'true' },
        { parameterKey: 'require_ssl', parameterValue: 'true' },
      ],
    });
    this.workgroup.applyRemovalPolicy(props.removalPolicy);
    this.workgroup.node.addDependency(this.namespace);

    // --- SQL at deploy time: streaming schema and view, Spectrum schema, real-time views, the refresh procedure,
    // then the governance roles and their masked views.
    const auto = config.streamingRefresh === 'auto';
    this.sql = new RedshiftSql(this, 'Sql', {
      workgroupName: this.workgroupName,
      workgroupArn: this.workgroup.attrWorkgroupWorkgroupArn,
      database: REDSHIFT_DATABASE,
      statements: withRecreateProcedure([
        ...redshiftStatements({
          stream_name: props.stream.streamName,
          role_arn: this.role.roleArn,
          glue_database: props.lakeDatabaseName,
          auto_refresh: auto ? 'YES' : 'NO',
        }),
        // After the files: the roles read the views those create.
        ...redshiftGovernanceStatements(props.governance ?? parseConfig({})),
      ]),
      // The role's grants and the endpoints must be in place before the streaming view reads the stream.
      dependsOn: [this.workgroup, this.role, ...endpoints],
      removalPolicy: props.removalPolicy,
      logRetention: props.logRetention,
      logEncryptionKey: logKey,
    });

    if (config.streamingRefresh !== 'auto') this.refreshRule = this.scheduleRefresh(config.streamingRefresh.everyMinutes, props.appName);

    // --- The admin secret: no CloudFormation attribute, so GetNamespace at deploy time.
    const getNamespace = new AwsCustomResource(this, 'AdminSecretLookup', {
      onUpdate: {
        service: 'RedshiftServerless',
        action: 'getNamespace',
        parameters: { namespaceName: this.namespaceName },
        physicalResourceId: PhysicalResourceId.of(`${this.namespaceName}-admin-secret`),
        outputPaths: ['namespace.adminPasswordSecretArn'],
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.namespace.attrNamespaceNamespaceArn] }),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'AdminSecretLookupLogs', {
        retention: props.logRetention,
        removalPolicy: props.removalPolicy,
        encryptionKey: logKey,
      }),
    });
    getNamespace.node.addDependency(this.namespace);
    // The SDK-call function is one per stack (a CDK singleton, deploy time only).
    const sdkCallFunction = stack.node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON) as lambda.Function | undefined;
    if (sdkCallFunction?.role !== undefined) {
      Validations.of(sdkCallFunction.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'Role of the CDK AwsCustomResource function (deploy time only, code generated by the CDK): the CDK attaches the basic execution policy itself; its SDK calls are granted one by one on named resources.',
      });
    }
    this.adminSecretArn = getNamespace.getResponseField('namespace.adminPasswordSecretArn');

    new CfnOutput(this, 'WorkgroupName', { value: this.workgroup.attrWorkgroupWorkgroupName, description: 'Redshift Serverless workgroup' });
    new CfnOutput(this, 'NamespaceName', { value: this.namespace.attrNamespaceNamespaceName, description: 'Redshift Serverless namespace' });
    new CfnOutput(this, 'Database', { value: REDSHIFT_DATABASE, description: 'Redshift database with the streaming and real-time views' });
    new CfnOutput(this, 'AdminSecretArn', {
      value: this.adminSecretArn,
      description: 'Secrets Manager secret of the Redshift admin password (managed by Redshift; read with GetNamespace)',
    });
  }

  /** The reads streaming ingestion and Spectrum make with the namespace's role, each on named resources. */
  private grantReads(props: RedshiftWarehouseProps, curatedPrefix: string): void {
    const stack = Stack.of(this);
    // Streaming ingestion polls the shards (GetRecords); it does not use enhanced fan-out, so no SubscribeToShard.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kinesis:DescribeStreamSummary', 'kinesis:DescribeStream', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'],
        resources: [props.stream.streamArn],
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.streamKey.keyArn] }));

    const db = props.lakeDatabaseName;
    const tables = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${db}/*` });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: db }),
          tables,
        ],
      }),
    );
    acknowledgeWildcardResource(
      this.role,
      tables,
      'Spectrum reads the definitions and partitions of the tables of one Glue database (the lake); Glue names tables only by database and name, and the tables are added over time. Read only.',
    );

    for (const [bucket, key, prefix, what] of [[props.curatedBucket, props.curatedKey, curatedPrefix, 'curated exports']] as const) {
      const objects = bucket.arnForObjects(`${prefix}*`);
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
      this.role.addToPolicy(
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } }),
      );
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }));
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }));
      acknowledgeWildcardResource(
        this.role,
        objects,
        `Spectrum reads the ${what} under the "${prefix}" prefix of one bucket: S3 expresses a key prefix only as a trailing wildcard. Read only.`,
      );
    }
  }

  /**
   * Every `everyMinutes`, an EventBridge rule runs the refresh procedure
   * through the Data API on the workgroup (EventBridge's Redshift target takes
   * a serverless workgroup's ARN). A missed or failed run is caught up by the
   * next: a refresh reads from where the last one stopped, within the stream's
   * retention.
   */
  private scheduleRefresh(everyMinutes: number, appName: string): events.Rule {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'RefreshRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `c360 (${appName}): scheduled refresh of the Redshift streaming view`,
    });
    // The target adds redshift-data:ExecuteStatement on the workgroup; the Data API also gets temporary credentials for it.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['redshift-serverless:GetCredentials'], resources: [this.workgroup.attrWorkgroupWorkgroupArn] }));
    const rule = new events.Rule(this, 'RefreshSchedule', {
      description: `c360 (${appName}): refreshes the Redshift streaming view events_stream`,
      schedule: events.Schedule.rate(Duration.minutes(everyMinutes)),
    });
    rule.addTarget(
      new targets.RedshiftQuery(this.workgroup.attrWorkgroupWorkgroupArn, {
        database: REDSHIFT_DATABASE,
        sql: [REFRESH_EVENTS_STREAM_SQL],
        statementName: 'c360-refresh-events_stream',
        role,
      }),
    );
    // The procedure must exist before the first run.
    rule.node.addDependency(this.sql);
    return rule;
  }
}
