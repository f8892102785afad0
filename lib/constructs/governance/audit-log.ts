/** The audit log: a Firehose stream (Direct PUT) into `audit/dt=<day>/` of the governance bucket, its Glue table and its retention. */
import { ArnFormat, Duration, Names, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  AUDIT_COLUMNS,
  AUDIT_FIREHOSE_ERROR_PREFIX,
  AUDIT_FIREHOSE_PREFIX,
  AUDIT_PARTITION_COLUMN,
  AUDIT_PREFIX,
} from '../../../lambda/governance/contracts/audit';
import { GOVERNANCE_ENV } from '../../../lambda/governance/contracts/env';
import type { C360Function } from '../common/c360-function';
import type { GovernedTable } from '../common/governed-lake';
import { acknowledgeWildcardResource } from '../common/nag';

/** Name of the audit table in the lake database. */
export const AUDIT_TABLE = 'audit_log';
/** Firehose's prefix: one folder per arrival day (UTC), the layout the table projects. */
export const AUDIT_DELIVERY_PREFIX = AUDIT_FIREHOSE_PREFIX;
/** Where Firehose puts records it could not deliver, outside the table's location. */
export const AUDIT_ERROR_PREFIX = AUDIT_FIREHOSE_ERROR_PREFIX;
/** What a writer needs: batches of records, on this delivery stream only. */
export const AUDIT_WRITE_ACTIONS = ['firehose:PutRecord', 'firehose:PutRecordBatch'] as const;

export interface AuditLogProps {
  /** The governance bucket (`audit/`): a bucket of this app, which gets the audit log's lifecycle rule. */
  readonly bucket: s3.Bucket;
  /** The governance key: the bucket's, the delivery stream's server-side encryption and its log group. */
  readonly key: kms.IKey;
  /** The lake's Glue database: the audit table is declared there, next to the tables it audits. */
  readonly databaseName: string;
  /** Days audit objects are kept (`governance.audit.retentionDays`). */
  readonly retentionDays: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The audit log, deployed.
 *
 * - A Direct PUT Firehose delivery stream, server-side encrypted with the
 *   governance key, writing gzip JSON lines to `audit/dt=<YYYY-MM-DD>/` (the
 *   arrival day, UTC) of the governance bucket, SSE-KMS. Writers end each
 *   record with a newline (one JSON line per record).
 * - Its delivery stream name is derived from the stack name, not generated:
 *   writers live in stacks deployed before this one (the profile API, segment
 *   changes, the profile export), which can only receive the name as a literal.
 * - `audit_log` in the lake database: the columns of AUDIT_COLUMNS, the OpenX
 *   JSON SerDe, `dt` by partition projection.
 * - A lifecycle rule expires `audit/` after `retentionDays`.
 *
 * `grantWrite(fn)` gives a function the stream's name and PutRecord(Batch);
 * for a function of another stack the policy is created here, in this stack,
 * and attached to its role, so the function's stack never refers to this one.
 */
export class AuditLog extends Construct {
  public readonly deliveryStream: firehose.CfnDeliveryStream;
  public readonly deliveryStreamName: string;
  public readonly deliveryStreamArn: string;
  public readonly table: glue.CfnTable;
  /** The audit table for Lake Formation's tags. */
  public readonly governedTable: GovernedTable;
  private readonly foreignGrants = new Map<string, iam.Policy>();

  constructor(scope: Construct, id: string, props: AuditLogProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { bucket, key, removalPolicy } = props;

    const logGroup = new logs.LogGroup(this, 'DeliveryLogGroup', { retention: props.logRetention, encryptionKey: key, removalPolicy });
    const logStream = new logs.LogStream(this, 'DeliveryLogStream', { logGroup, removalPolicy });
    const logStreamArn = `${stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    })}:log-stream:${logStream.logStreamName}`;

    const auditObjects = bucket.arnForObjects(`${AUDIT_PREFIX}*`);
    const errorObjects = bucket.arnForObjects('audit-errors/*');
    const role = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com'),
      description: 'c360 governance: Firehose writes the audit log',
    });
    const policy = new iam.Policy(this, 'DeliveryPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], resources: [bucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [auditObjects, errorObjects] }),
        new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } },
        }),
        new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [logStreamArn] }),
      ],
    });
    acknowledgeWildcardResource(policy, auditObjects, `Firehose writes audit objects under "${AUDIT_PREFIX}" of the governance bucket only: S3 expresses a key prefix as a trailing wildcard. No read or delete.`);
    acknowledgeWildcardResource(policy, errorObjects, 'Firehose writes the audit records it could not deliver under "audit-errors/" of the governance bucket only: S3 expresses a key prefix as a trailing wildcard.');

    this.deliveryStreamName = `${stack.stackName}-audit`.slice(0, 64);
    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamName: this.deliveryStreamName,
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: key.keyArn },
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: role.roleArn,
        prefix: AUDIT_DELIVERY_PREFIX,
        errorOutputPrefix: AUDIT_ERROR_PREFIX,
        bufferingHints: { intervalInSeconds: 60, sizeInMBs: 5 },
        compressionFormat: 'GZIP',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: key.keyArn } },
        cloudWatchLoggingOptions: { enabled: true, logGroupName: logGroup.logGroupName, logStreamName: logStream.logStreamName },
      },
    });
    this.deliveryStream.node.addDependency(policy);
    this.deliveryStream.applyRemovalPolicy(removalPolicy);
    this.deliveryStreamArn = this.deliveryStream.attrArn;

    bucket.addLifecycleRule({
      id: 'expire-audit-log',
      prefix: AUDIT_PREFIX,
      expiration: Duration.days(props.retentionDays),
      noncurrentVersionExpiration: Duration.days(1),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    });

    const location = `s3://${bucket.bucketName}/${AUDIT_PREFIX}`;
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: stack.account,
      databaseName: props.databaseName,
      tableInput: {
        name: AUDIT_TABLE,
        description: 'c360 audit log: who did what to customer data (subjects are keyed hashes), by arrival day',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'json',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': 'NOW-10YEARS,NOW+1DAYS',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}dt=\${dt}/`,
        },
        partitionKeys: [{ ...AUDIT_PARTITION_COLUMN, comment: 'arrival day, YYYY-MM-DD (UTC)' }],
        storageDescriptor: {
          location,
          columns: AUDIT_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', parameters: { 'ignore.malformed.json': 'true' } },
        },
      },
    });
    this.table.applyRemovalPolicy(removalPolicy);
    this.governedTable = { name: AUDIT_TABLE, columns: [...AUDIT_COLUMNS.map((c) => c.name), AUDIT_PARTITION_COLUMN.name], resource: this.table };
  }

  /**
   * The delivery stream's name in AUDIT_DELIVERY_STREAM and PutRecord(Batch)
   * on it only. Firehose encrypts with its own grant on the key: the writer
   * needs no key permission.
   */
  public grantWrite(fn: C360Function): void {
    fn.addEnvironment(GOVERNANCE_ENV.auditStream, this.deliveryStreamName);
    const statement = new iam.PolicyStatement({ actions: [...AUDIT_WRITE_ACTIONS], resources: [this.deliveryStreamArn] });
    if (Stack.of(fn) === Stack.of(this)) {
      fn.addToRolePolicy(statement);
      return;
    }
    // Created in this stack: the function's stack deploys first and must not refer to this one.
    const role = fn.role;
    if (role === undefined) throw new Error(`AuditLog.grantWrite: ${fn.node.path} has no role`);
    const id = `Writer${Names.nodeUniqueId(fn.node)}`;
    if (this.foreignGrants.has(id)) return;
    this.foreignGrants.set(id, new iam.Policy(this, id, { roles: [role], statements: [statement] }));
  }
}
