/** The shipped SQL views (`sql/views/*.sql`), created in Athena at deploy time by a custom resource. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomResource, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';
import { parseViewFiles, VIEWS_DIR, type ShippedView } from '../../../lambda/analytics/contracts/views';
import { C360Function } from '../common/c360-function';
import { acknowledgeWildcardResource } from '../common/nag';
import type { AthenaWorkgroup } from './athena-workgroup';

/** CloudFormation type of the views resource. */
export const ATHENA_VIEWS_RESOURCE_TYPE = 'Custom::AthenaViews';

/**
 * Reads and parses the view files of `dir` (default: the repository's
 * `sql/views/`), in creation order. Throws naming the folder when it holds
 * none, and naming the file when one is malformed (parseViewFiles).
 */
export function readShippedViews(dir: string = C360Function.projectPath(VIEWS_DIR)): ShippedView[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  } catch (error) {
    throw new Error(`Athena views: cannot read the view files in ${VIEWS_DIR}: ${(error as Error).message}`);
  }
  const views = parseViewFiles(Object.fromEntries(names.map((f) => [f, readFileSync(join(dir, f), 'utf8')])));
  if (views.length === 0) throw new Error(`Athena views: ${VIEWS_DIR} holds no view file (NNN-view_name.sql)`);
  return views;
}

export interface AthenaViewsProps {
  /** The views, in creation order (readShippedViews). */
  readonly views: readonly ShippedView[];
  /** The workgroup the statements run in (its results location and encryption apply). */
  readonly workgroup: AthenaWorkgroup;
  /** The Glue database the views are created in, and the default database of their SQL. */
  readonly databaseName: string;
  /** The lake bucket's key (the raw tables the views read live under it). */
  readonly lakeKey: kms.IKey;
  /** What the views read and this stack declares (the curated tables): created first. */
  readonly dependsOn?: readonly IDependable[];
  /** Encrypts the functions' log groups; it must let CloudWatch Logs use it. */
  readonly logEncryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /**
   * Applied to the views resource and the log groups. `RETAIN`: CloudFormation
   * never sends Delete, so the views stay with the retained tables and
   * database they read; `DESTROY`: Delete drops them.
   */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The shipped views in Athena. The view files are read at synth; each view's
 * `CREATE OR REPLACE VIEW` statement is a property of one custom resource
 * (`Custom::AthenaViews`), so a changed, added or reordered file updates it.
 * Its function (lambda/analytics/functions/athena-views.ts) runs the
 * statements one by one through the Athena API in the workgroup, with the
 * lake database as default database, and answers once each has SUCCEEDED; a
 * FAILED or CANCELLED one fails the deployment with Athena's reason and the
 * view's name. On Delete it drops the views (DROP VIEW IF EXISTS).
 *
 * Provider framework with onEvent only, waiting inside that one invocation:
 * view DDL changes only the catalog and takes seconds per view, so the whole
 * set finishes well within a Lambda invocation (the function stops with a
 * clear error before its timeout). An isComplete handler would add a Step
 * Functions waiter, two more framework functions and their roles for no gain.
 *
 * The function may write (CreateTable, UpdateTable, DeleteTable) only the
 * views the files name; it reads the metadata of any table of the database,
 * since a view may read any of them. So a view whose file is removed is not
 * dropped by an update (drop it with `DROP VIEW`); it is on Delete when listed.
 */
export class AthenaViews extends Construct {
  public readonly resource: CustomResource;
  public readonly function: C360Function;
  public readonly provider: Provider;
  public readonly viewNames: readonly string[];

  constructor(scope: Construct, id: string, props: AthenaViewsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { views, workgroup, databaseName, removalPolicy, logRetention } = props;
    if (views.length === 0) throw new Error('AthenaViews: no view to create');
    this.viewNames = views.map((v) => v.name);

    this.function = new C360Function(this, 'Function', {
      entry: 'lambda/analytics/functions/athena-views.ts',
      serviceName: 'athena-views',
      description: 'Creates the shipped SQL views in Athena (custom resource)',
      // The framework's onEvent function waits for this one; it has 15 minutes.
      timeout: Duration.minutes(10),
      logRetention,
      removalPolicy,
      logEncryptionKey: props.logEncryptionKey,
    });
    const role = this.function.role as iam.IRole;
    workgroup.grantRunQueries(role);

    const glueArn = (resource: string, resourceName?: string) =>
      stack.formatArn({ service: 'glue', resource, ...(resourceName === undefined ? {} : { resourceName }) });
    const catalogArn = glueArn('catalog');
    const databaseArn = glueArn('database', databaseName);
    const anyTable = glueArn('table', `${databaseName}/*`);
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables'],
        resources: [catalogArn, databaseArn, anyTable],
      }),
    );
    acknowledgeWildcardResource(
      role,
      anyTable,
      `Read-only catalog metadata (glue:GetTable, GetTables) of the tables of the lake database "${databaseName}": Athena checks each view's query against every table and view it reads, which may be any table of that database. Writes are limited to the named views.`,
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['glue:CreateTable', 'glue:UpdateTable', 'glue:DeleteTable'],
        resources: [catalogArn, databaseArn, ...this.viewNames.map((name) => glueArn('table', `${databaseName}/${name}`))],
      }),
    );
    // Athena runs the statements with this role's credentials: should it touch lake objects, only through S3.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.lakeKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } },
      }),
    );

    // The framework's own function: its own role (no managed policy) and log group.
    const frameworkRole = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'c360 analytics: the custom-resource framework that invokes the Athena views function',
    });
    const frameworkLogGroup = new logs.LogGroup(this, 'ProviderLogGroup', {
      retention: logRetention,
      removalPolicy,
      encryptionKey: props.logEncryptionKey,
    });
    frameworkLogGroup.grantWrite(frameworkRole);
    this.provider = new Provider(this, 'Provider', {
      onEventHandler: this.function,
      frameworkOnEventRole: frameworkRole,
      logGroup: frameworkLogGroup,
    });
    acknowledgeWildcardResource(
      frameworkRole,
      `${this.function.functionArn}:*`,
      'The custom-resource framework invokes the Athena views function only: lambda:InvokeFunction on that function and its versions and aliases (the ":*" qualifier), as the CDK grants it.',
    );

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: ATHENA_VIEWS_RESOURCE_TYPE,
      removalPolicy,
      properties: {
        WorkGroup: workgroup.workgroupName,
        Database: databaseName,
        Views: views.map((v) => ({ Name: v.name, Sql: v.sql })),
      },
    });
    this.resource.node.addDependency(workgroup.workgroup, ...(props.dependsOn ?? []));
  }
}
