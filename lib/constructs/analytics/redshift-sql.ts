/**
 * SQL run at deploy time on a Redshift Serverless workgroup: a custom
 * resource of the CDK Provider framework whose function submits the
 * statements through the Redshift Data API (IAM temporary credentials:
 * workgroup name and database, no secret) and whose `isComplete` waiter polls
 * DescribeStatement until each has finished. A failed statement fails the
 * deployment with the statement's name and Redshift's error.
 */
import { CustomResource, Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IDependable } from 'constructs';
import { C360Function } from '../common/c360-function';
import { acknowledgeWildcardResource } from '../common/nag';

/** One statement: its name (in errors and the Data API's history) and its SQL. */
export interface RedshiftStatement {
  readonly name: string;
  readonly sql: string;
}

export interface RedshiftSqlProps {
  /** The workgroup the statements run on. */
  readonly workgroupName: string;
  readonly workgroupArn: string;
  /** The database (in the workgroup's namespace) the statements run in. */
  readonly database: string;
  /** Run in this order on every create and update of the resource. Each must be idempotent. */
  readonly statements: readonly RedshiftStatement[];
  /** What must exist before the statements run (the workgroup, at least). */
  readonly dependsOn: readonly IDependable[];
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  /**
   * Key of the function's and the waiter's log groups (it must let CloudWatch Logs use it).
   * @default - CloudWatch Logs' service-owned encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Longest a deployment waits for all statements.
   * @default Duration.minutes(30)
   */
  readonly totalTimeout?: Duration;
}

/**
 * The statements, run in order by a waiting custom resource. The function's
 * role is the Data API identity: its database user is `IAMR:<role name>`
 * (created by Redshift at first use), the owner of what the statements create,
 * so it needs the database privileges those statements take.
 */
export class RedshiftSql extends Construct {
  public readonly function: C360Function;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: RedshiftSqlProps) {
    super(scope, id);
    if (props.statements.length === 0) throw new Error('RedshiftSql: at least one statement');
    const names = new Set<string>();
    for (const s of props.statements) {
      if (names.has(s.name)) throw new Error(`RedshiftSql: statement name ${s.name} is used twice`);
      names.add(s.name);
    }

    this.function = new C360Function(this, 'Handler', {
      entry: 'lambda/analytics/functions/redshift-sql.ts',
      serviceName: 'redshift-sql',
      description: 'c360: runs the warehouse SQL at deploy time (Redshift Data API)',
      // Each call submits or looks up statements and returns: the waiter does the waiting.
      timeout: Duration.minutes(1),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      logEncryptionKey: props.logEncryptionKey,
    });
    const role = this.function.role as iam.IRole;
    // Submitting on the workgroup, with the temporary database credentials the Data API obtains for the caller.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['redshift-data:ExecuteStatement', 'redshift-serverless:GetCredentials'], resources: [props.workgroupArn] }),
    );
    // DescribeStatement takes no resource; the condition limits it to the statements this role submitted.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['redshift-data:DescribeStatement'],
        resources: ['*'],
        conditions: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '${aws:userid}' } },
      }),
    );

    const waiterLogs = new logs.LogGroup(this, 'WaiterLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
      encryptionKey: props.logEncryptionKey,
    });
    const provider = new Provider(this, 'Provider', {
      onEventHandler: this.function,
      isCompleteHandler: this.function,
      queryInterval: Duration.seconds(10),
      totalTimeout: props.totalTimeout ?? Duration.minutes(30),
      logGroup: waiterLogs,
      // Execution data holds the request's presigned response URL: left out of the logs.
      waiterStateMachineLogOptions: { destination: waiterLogs, includeExecutionData: false, level: sfn.LogLevel.ALL },
      disableWaiterStateMachineLogging: false,
    });

    this.resource = new CustomResource(this, 'Statements', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::C360RedshiftSql',
      properties: {
        WorkgroupName: props.workgroupName,
        Database: props.database,
        Statements: props.statements.map((s) => ({ Name: s.name, Sql: s.sql })),
      },
    });
    for (const dependency of props.dependsOn) this.resource.node.addDependency(dependency);
    this.acknowledgeFramework(provider, role);
  }

  /**
   * cdk-nag findings of the CDK Provider framework's own functions, roles and
   * waiter (code and policies the CDK generates), acknowledged on each of them.
   */
  private acknowledgeFramework(provider: Provider, role: iam.IRole): void {
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" for X-Ray (no resource-level permissions) and for redshift-data:DescribeStatement, which takes no resource; the statement-owner-iam-userid condition limits it to statements this role submitted.',
    });
    const frameworkFunction = (id: string) => provider.node.findChild(id) as lambda.Function;
    const isComplete = frameworkFunction('framework-isComplete');
    const onTimeout = frameworkFunction('framework-onTimeout');
    for (const fn of [frameworkFunction('framework-onEvent'), isComplete, onTimeout]) {
      const fnRole = fn.role as iam.IRole;
      Validations.of(fnRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'Role of a CDK Provider framework function (deploy-time only, code generated by the CDK): the framework attaches the basic execution policy itself; it writes only the function\'s own logs.',
      });
      acknowledgeWildcardResource(
        fnRole,
        `${this.function.functionArn}:*`,
        'The CDK Provider framework invokes the SQL function by ARN with any version or alias qualifier (`:*`): one function, no other.',
      );
    }
    const waiter = provider.node.findChild('waiter-state-machine');
    const waiterRole = waiter.node.findChild('Role') as iam.IRole;
    for (const fn of [isComplete, onTimeout]) {
      acknowledgeWildcardResource(
        waiterRole,
        `${fn.functionArn}:*`,
        'The Provider framework\'s waiter state machine invokes its own isComplete and onTimeout functions by ARN with any qualifier (`:*`): those two functions only.',
      );
    }
    Validations.of(waiterRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs log-delivery actions (CreateLogDelivery, GetLogDelivery, ...) of the waiter state machine take no resource-level permissions; the logs go to this construct\'s log group.',
    });
    Validations.of(waiter).acknowledge({
      id: 'AwsSolutions-SF2',
      reason:
        'The CDK Provider framework\'s waiter state machine (deploy time only) offers no X-Ray option; its steps are the SQL function, which is traced, and its execution history is logged.',
    });
  }
}
