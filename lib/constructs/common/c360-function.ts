/** The one Lambda construct every c360 function uses: the team's defaults, its own role and log group, and grants wired by intent. */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './nag';

/** Repository root: lib/constructs/ is two levels below it. */
const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Item-level read actions: no Scan, no stream or table-management actions. */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;
/** Item-level write actions, including the condition checks of TransactWriteItems. */
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;
/** What a caller needs on a table's customer-managed key to read items. */
const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'] as const;
/** ...and additionally to write them. */
const TABLE_KEY_WRITE_ACTIONS = ['kms:Encrypt', 'kms:GenerateDataKey'] as const;

/**
 * ESM output cannot `require()`; some CommonJS dependencies do (the X-Ray SDK
 * under Powertools Tracer, for one). This banner gives the bundle a real
 * `require` bound to the module's own URL.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __c360CreateRequire } from 'node:module'; const require = __c360CreateRequire(import.meta.url);";

/**
 * What every bundle leaves to the Node.js 22 runtime: AWS SDK v3, whose clients
 * bring their own @smithy packages from the runtime, and the one @smithy package
 * our code imports itself. Not `@smithy/*` as a whole (the CDK default under
 * @aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages): the runtime lacks some,
 * e.g. @smithy/service-error-classification, which the X-Ray SDK requires at load
 * (aws/aws-cdk#33099). Anything not listed is bundled, so a new import costs
 * size (see `c360 bench --only bundles`) rather than failing at cold start.
 */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = ['@aws-sdk/*', '@smithy/node-http-handler'];

/** Bundle target and module format, for C360Function's bundling and for esbuild run directly. */
const BUNDLE_TARGET = 'node22';
const BUNDLE_MAIN_FIELDS = ['module', 'main'];

/**
 * The esbuild options C360Function's bundling comes to, for builds outside
 * CDK (the bundle benchmark, the bundle test): add the entry and the output.
 */
export const BUNDLE_BUILD_OPTIONS = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: BUNDLE_TARGET,
  format: 'esm',
  mainFields: BUNDLE_MAIN_FIELDS,
  external: [...RUNTIME_PROVIDED_MODULES],
  banner: { js: ESM_REQUIRE_BANNER },
} as const;

/** What a producer needs to write records to a stream: no read, no stream management. */
export const STREAM_PUT_ACTIONS = ['kinesis:PutRecord', 'kinesis:PutRecords'] as const;
/** ...and on the stream's customer-managed key, to encrypt them. */
export const STREAM_KEY_PUT_ACTIONS = ['kms:GenerateDataKey', 'kms:Encrypt'] as const;
/** What publishing to a bus encrypted with a customer-managed key takes on that key. */
export const BUS_KEY_PUT_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

export interface PutRecordsOptions {
  /** Environment variable that receives the stream name. */
  readonly envVar: string;
  /** @default stream.encryptionKey */
  readonly streamKey?: kms.IKey;
}

export interface ReadSecretOptions {
  /** Environment variable that receives the secret's ARN. */
  readonly envVar: string;
}

export interface PutEventsOptions {
  /** Environment variable that receives the bus name. */
  readonly envVar: string;
  /**
   * The bus's customer-managed key (EventBridge encrypts events with it on the publisher's behalf).
   * @default - the bus uses an AWS-owned key: no key grant
   */
  readonly busKey?: kms.IKey;
}

export interface C360FunctionProps {
  /** Handler module, relative to the repository root (e.g. `lambda/unification/functions/profile-api.ts`). It must export `handler`. */
  readonly entry: string;
  /** Powertools service name (logs, metrics, traces) of this function. */
  readonly serviceName: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Extra environment variables, merged over the Powertools defaults. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /** Removal policy of the function's log group. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Customer-managed key for the log group. The key must let CloudWatch Logs use it
   * (see `DataKey.allowCloudWatchLogs`).
   * @default - CloudWatch Logs' service-owned encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /** @default - none */
  readonly description?: string;
  /**
   * IAM path of the execution role (`/a/b/`). Bucket policies recognise a
   * group of roles by it (`aws:PrincipalArn` like `role/a/b/*`) without
   * naming roles of a stack deployed later.
   * @default '/'
   */
  readonly rolePath?: string;
}

export type TableAccess = 'read' | 'read-write';

export interface UseTableOptions {
  /** Environment variable that receives the table name. */
  readonly envVar: string;
  /** `read`: GetItem, BatchGetItem, Query. `read-write`: those plus item writes. */
  readonly access: TableAccess;
  /** Global secondary indexes the function queries (by name): read access to each, and no other index. */
  readonly indexes?: readonly string[];
  /**
   * With `read-write`: the only partition keys the function may write, as IAM
   * `StringLike` patterns (e.g. `SEG#*`). The write actions then carry a
   * `dynamodb:LeadingKeys` condition; reads stay on the whole table.
   * @default - writes anywhere in the table
   */
  readonly writeLeadingKeys?: readonly string[];
}

export interface PutObjectsOptions {
  /** Environment variable that receives the bucket name. */
  readonly envVar: string;
  /** The only key prefix the function may write under: literal folders ending in `/`, e.g. `quarantine/`. */
  readonly prefix: string;
}

/**
 * The one Lambda function construct of c360. Team defaults: Node.js 22 on arm64,
 * ESM bundle (minified, source maps), X-Ray active tracing, Powertools
 * environment, an explicit log group with retention and removal policy, and an
 * execution role with no managed policies (log writes are granted on the log
 * group only).
 *
 * The log group and role are created next to the function (ids `<id>LogGroup`,
 * `<id>ServiceRole`) because they must exist before the function does.
 *
 * Resources are wired by intent, so the environment variable and the grant
 * can't drift apart: `useTable(...)`, `putObjects(...)`.
 */
export class C360Function extends NodejsFunction {
  /** Absolute path of a file given relative to the repository root. */
  public static projectPath(relative: string): string {
    return path.join(PROJECT_ROOT, relative);
  }

  constructor(scope: Construct, id: string, props: C360FunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
      encryptionKey: props.logEncryptionKey,
    });
    const role = new iam.Role(scope, `${id}ServiceRole`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the c360 ${props.serviceName} function`,
      ...(props.rolePath === undefined ? {} : { path: props.rolePath }),
    });

    super(scope, id, {
      entry: C360Function.projectPath(props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: C360Function.projectPath('package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'c360',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE_TARGET,
        mainFields: BUNDLE_MAIN_FIELDS,
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // Mappings are enough for stack traces; embedding sources would double the bundle.
        sourcesContent: false,
        // The Node.js 22 runtime ships AWS SDK v3: using its clients keeps the SDK
        // (about 400 KB minified) out of every bundle and cold starts shorter.
        externalModules: [...RUNTIME_PROVIDED_MODULES],
      },
    });

    // Instead of the AWSLambdaBasicExecutionRole managed policy (logs:* on every log group).
    logGroup.grantWrite(role);

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only X-Ray active tracing uses Resource "*": xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions. Every other grant of this role names its resources (pinned by test/infra/functions.test.ts).',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the pinned c360 runtime: the handlers, their ESM bundle target (node22) and the local runtime are built and tested against it. Moving to a newer Node.js is a deliberate, tested upgrade of C360Function.',
    });
  }

  /**
   * Gives the function the table's name in `envVar` and exactly the item-level
   * actions `access` needs on it (plus use of the table's customer-managed key).
   */
  public useTable(table: dynamodb.ITable, options: UseTableOptions): this {
    this.addEnvironment(options.envVar, table.tableName);
    const write = options.access === 'read-write';
    // Named resources, instead of table.grant's `<table>/index/*` once the table has an index.
    const leadingKeys = options.writeLeadingKeys;
    if (leadingKeys !== undefined && (!write || leadingKeys.length === 0)) {
      throw new Error(`useTable(${options.envVar}): writeLeadingKeys needs access 'read-write' and at least one pattern`);
    }
    if (write && leadingKeys !== undefined) {
      this.addToRolePolicy(new iam.PolicyStatement({ actions: [...TABLE_READ_ACTIONS], resources: [table.tableArn] }));
      // ForAllValues is also true when the key is absent from the request, so the Null check requires it;
      // every item-level write carries the partition keys it touches.
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: [...TABLE_WRITE_ACTIONS],
          resources: [table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...leadingKeys] },
            Null: { 'dynamodb:LeadingKeys': 'false' },
          },
        }),
      );
    } else {
      this.addToRolePolicy(
        new iam.PolicyStatement({ actions: [...TABLE_READ_ACTIONS, ...(write ? TABLE_WRITE_ACTIONS : [])], resources: [table.tableArn] }),
      );
    }
    if (options.indexes !== undefined && options.indexes.length > 0) {
      this.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: options.indexes.map((index) => `${table.tableArn}/index/${index}`) }),
      );
    }
    table.encryptionKey?.grant(this, ...TABLE_KEY_READ_ACTIONS, ...(write ? TABLE_KEY_WRITE_ACTIONS : []));
    return this;
  }

  /**
   * Gives the function the bucket's name in `envVar` and s3:PutObject under
   * `prefix` only (plus data-key generation on the bucket's KMS key, if any).
   * No read, list or delete.
   */
  public putObjects(bucket: s3.IBucket, options: PutObjectsOptions): this {
    if (!/^([A-Za-z0-9!_.'()=-]+\/)+$/.test(options.prefix)) {
      throw new Error(`putObjects: prefix must be a literal folder ending in "/", got "${options.prefix}"`);
    }
    this.addEnvironment(options.envVar, bucket.bucketName);
    const objects = bucket.arnForObjects(`${options.prefix}*`);
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] }));
    acknowledgeWildcardResource(
      this.role ?? this,
      objects,
      `Object-level s3:PutObject limited to the "${options.prefix}" prefix of one bucket: S3 expresses a key prefix only as a trailing wildcard. No read, list or delete is granted.`,
    );
    bucket.encryptionKey?.grant(this, 'kms:GenerateDataKey', 'kms:Encrypt');
    return this;
  }

  /**
   * The stream's name in `envVar`, `kinesis:PutRecord(s)` on that stream only,
   * and data-key generation and encryption on its key. No read, list or describe.
   */
  public putRecords(stream: kinesis.IStream, options: PutRecordsOptions): this {
    this.addEnvironment(options.envVar, stream.streamName);
    stream.grant(this, ...STREAM_PUT_ACTIONS);
    (options.streamKey ?? stream.encryptionKey)?.grant(this, ...STREAM_KEY_PUT_ACTIONS);
    return this;
  }

  /**
   * The secret's ARN in `envVar`, `secretsmanager:GetSecretValue` on that
   * secret only, and `kms:Decrypt` on its key only through Secrets Manager. No
   * DescribeSecret, no write.
   */
  public readSecret(secret: secretsmanager.ISecret, options: ReadSecretOptions): this {
    this.addEnvironment(options.envVar, secret.secretArn);
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
    if (secret.encryptionKey !== undefined) {
      this.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [secret.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /**
   * The bus's name in `envVar`, `events:PutEvents` on that bus only, and the
   * use of its key that publishing encrypted events takes. No rule or bus management.
   */
  public putEvents(bus: events.IEventBus, options: PutEventsOptions): this {
    this.addEnvironment(options.envVar, bus.eventBusName);
    bus.grantPutEventsTo(this);
    options.busKey?.grant(this, ...BUS_KEY_PUT_ACTIONS);
    return this;
  }
}
