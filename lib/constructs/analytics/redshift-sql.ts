/**
 * SQL run at deploy time on a Redshift Serverless workgroup: a custom
 * resource of the CDK Provider framework whose function submits the
 * statements through the Redshift Data API (IAM temporary credentials:
 * workgroup name and database, no secret) and whose `isComplete` waiter polls
 * DescribeStatement until each has finished. A failed statement fails the
 * deployment with the statement's name and Redshift's error. Also the
 * governance statements (redshiftGovernanceStatements): the column policy's
 * roles as Redshift roles, with masked views where a role may not read a column.
 */
import { RECREATE_EVENTS_STREAM_PROCEDURE } from '../../../lambda/analytics/contracts/views';
import { CustomResource, Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IDependable } from 'constructs';
import type { C360Config } from '../../../lambda/config';
import { EXPORT_PARTITION, EXPORT_TABLE_COLUMNS, EXPORT_TABLES, profileTableColumns, type CuratedColumn } from '../../../lambda/analytics/contracts/curated';
import { MASK, classification, columnPolicy, governanceRoles, roleSees, type ColumnPolicy } from '../../../lambda/governance/contracts/classification';
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

// --- Governance: the column policy in Redshift -------------------------------------------------

/** A column of a relation the warehouse exposes, with the lake column whose classification it takes. */
interface GovernedColumn {
  readonly name: string;
  /** Redshift type: VARCHAR columns are masked as `'***'`, others as NULL. */
  readonly type: 'VARCHAR' | 'SUPER' | 'BIGINT' | 'DOUBLE PRECISION' | 'BOOLEAN' | 'TIMESTAMP';
  /** The lake column of the same content (columnClassification's name). */
  readonly classifiedAs: string;
}

/**
 * Columns of the streaming view `events_stream` (sql/redshift/020), each
 * classified as the lake column holding the same value: the whole event
 * (`payload`) as a quarantined record, the ids as the raw events' ids.
 */
export const EVENTS_STREAM_COLUMNS: readonly GovernedColumn[] = [
  { name: 'approximate_arrival_timestamp', type: 'TIMESTAMP', classifiedAs: 'approximate_arrival_timestamp' },
  { name: 'partition_key', type: 'VARCHAR', classifiedAs: 'partitionkey' },
  { name: 'shard_id', type: 'VARCHAR', classifiedAs: 'shard_id' },
  { name: 'sequence_number', type: 'VARCHAR', classifiedAs: 'sequencenumber' },
  { name: 'payload', type: 'SUPER', classifiedAs: 'data' },
  { name: 'message_id', type: 'VARCHAR', classifiedAs: 'messageid' },
  { name: 'type', type: 'VARCHAR', classifiedAs: 'type' },
  { name: 'event', type: 'VARCHAR', classifiedAs: 'event' },
  { name: 'user_id', type: 'VARCHAR', classifiedAs: 'user_id' },
  { name: 'anonymous_id', type: 'VARCHAR', classifiedAs: 'anonymousid' },
  { name: 'event_time', type: 'TIMESTAMP', classifiedAs: 'event_time' },
  { name: 'revenue', type: 'DOUBLE PRECISION', classifiedAs: 'revenue' },
];

/** The real-time views (sql/redshift/040-050): counts and sums by event name, no column of a person. */
export const REALTIME_VIEWS = ['events_last_hour', 'events_today', 'revenue_today'] as const;

const REDSHIFT_TYPES: Readonly<Record<CuratedColumn['type'], GovernedColumn['type']>> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  double: 'DOUBLE PRECISION',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
};

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteText = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The schema of a role's masked views: `c360_<role>`. */
export const maskedSchemaOf = (role: string) => `c360_${role}`;

/**
 * The SELECT list of `columns` as `policy` gives them to its role: in
 * clear; masked (`'***'` for text, NULL otherwise; a pseudonym needs a
 * session key Redshift views do not have, and a JSON column is masked whole,
 * as Lake Formation's column grants do); an identifier value in clear for the
 * identifier types the role reads; or left out.
 */
function maskedSelectList(columns: readonly GovernedColumn[], policy: ColumnPolicy, relation: string, identifierTypes: readonly string[]): string {
  const items: string[] = [];
  for (const col of columns) {
    const id = quoteIdent(col.name);
    const hidden =
      col.type === 'VARCHAR'
        ? `CASE WHEN ${id} IS NULL THEN NULL ELSE '${MASK}' END`
        : col.type === 'SUPER'
          ? 'JSON_PARSE(CAST(NULL AS VARCHAR))'
          : `CAST(NULL AS ${col.type})`;
    const access = policy.column(relation, col.classifiedAs);
    if (access.kind === 'clear') items.push(id);
    else if (access.kind === 'omit') continue;
    else if (access.kind === 'typed') {
      const clear = identifierTypes.filter((t) => policy.identifier(t) === 'clear');
      const typeColumn = quoteIdent(access.typeColumn);
      const otherwise = policy.otherwise === 'omit' ? '' : ` WHEN ${id} IS NULL THEN NULL ELSE '${MASK}'`;
      items.push(clear.length === 0 ? `${policy.otherwise === 'omit' ? `CAST(NULL AS VARCHAR)` : hidden} AS ${id}` : `CASE WHEN ${typeColumn} IN (${clear.map(quoteText).join(', ')}) THEN ${id}${otherwise} END AS ${id}`);
    } else items.push(`${hidden} AS ${id}`);
  }
  if (items.length === 0) throw new Error(`role ${policy.role} reads no column of ${relation}`);
  return items.join(', ');
}

/**
 * The statements that give every governance role (analyst, steward, the
 * config's own) the same columns in Redshift as Lake Formation gives it in
 * the lake, run after the SQL files on every deployment (each idempotent).
 * Redshift's own tables are not governed by Lake Formation, and Spectrum
 * reads the lake with the namespace's one IAM role, so Lake Formation cannot
 * tell one Redshift user from another: a role that reads every class gets
 * the streaming view and the Spectrum schema `lake` themselves; any other
 * role gets neither, but its own schema `c360_<role>` of views over them
 * with what it may not read masked or left out (late-binding views over the
 * Spectrum tables). Every role reads the real-time views, which hold counts
 * and sums only. Database users get a role with `GRANT ROLE` or, for IAM
 * identities, the `RedshiftDbRoles` principal tag.
 */
export function redshiftGovernanceStatements(config: C360Config): RedshiftStatement[] {
  const c = classification(config);
  const identifierTypes = config.unification.identity.identifiers;
  const tables = EXPORT_TABLES.map((table) => ({
    table,
    columns: [
      ...(table === 'profiles' ? profileTableColumns(config) : EXPORT_TABLE_COLUMNS[table]),
      { name: EXPORT_PARTITION, type: 'string' as const },
    ].map((col): GovernedColumn => ({ name: col.name, type: REDSHIFT_TYPES[col.type], classifiedAs: col.name })),
  }));
  const out: RedshiftStatement[] = [];
  for (const [name, role] of Object.entries(governanceRoles(config))) {
    const policy = columnPolicy(c, name, role);
    const r = `ROLE ${quoteIdent(name)}`;
    const add = (what: string, sql: string) => out.push({ name: `governance-${name}-${what}`, sql });
    add('role', `CALL c360_ensure_role(${quoteText(name)})`);
    if (roleSees(role, 'none')) add('realtime', `GRANT SELECT ON ${REALTIME_VIEWS.join(', ')} TO ${r}`);
    if (policy.seesAll) {
      add('stream', `GRANT SELECT ON events_stream TO ${r}`);
      add('lake', `GRANT USAGE ON SCHEMA lake TO ${r}`);
      continue;
    }
    // A role that no longer reads everything loses what it was granted when it did.
    add('stream-revoke', `REVOKE SELECT ON events_stream FROM ${r}`);
    add('lake-revoke', `REVOKE USAGE ON SCHEMA lake FROM ${r}`);
    const schema = quoteIdent(maskedSchemaOf(name));
    add('schema', `CREATE SCHEMA IF NOT EXISTS ${schema}`);
    add('view-events_stream', `CREATE OR REPLACE VIEW ${schema}.events_stream AS SELECT ${maskedSelectList(EVENTS_STREAM_COLUMNS, policy, 'events_stream', identifierTypes)} FROM public.events_stream`);
    for (const { table, columns } of tables) {
      add(`view-${table}`, `CREATE OR REPLACE VIEW ${schema}.${table} AS SELECT ${maskedSelectList(columns, policy, table, identifierTypes)} FROM lake.${table} WITH NO SCHEMA BINDING`);
    }
    add('usage', `GRANT USAGE ON SCHEMA ${schema} TO ${r}`);
    add('select', `GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${r}`);
  }
  return out;
}


/**
 * A SECURITY DEFINER procedure that drops the streaming view `events_stream`
 * (CASCADE: the views over it go too) and runs again every statement that
 * created or granted it or a view over it, in their deploy order; its OUT
 * value is the view's row count before. A streaming view takes no DELETE, and
 * only its owner (the deploy-time SQL's database user) may drop it: the
 * erasure's own database user calls this procedure instead, so the view keeps
 * its owner and the scheduled refresh and the next deploy keep working. The
 * statements are the deploy's own (one text), quoted into the body.
 */
export function recreateEventsStreamStatements(statements: readonly RedshiftStatement[]): RedshiftStatement[] {
  const names = new Set(['events_stream']);
  const mentions = (sql: string) => [...names].some((n) => new RegExp(`\\b${n}\\b`, 'i').test(sql));
  const replay: string[] = [];
  for (const { sql } of statements) {
    if (/^\s*CREATE\s+(OR\s+REPLACE\s+)?PROCEDURE\b/i.test(sql) || /^\s*CALL\b/i.test(sql) || !mentions(sql)) continue;
    const created = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z0-9_."]+)/i.exec(sql)?.[1];
    if (created !== undefined) names.add(created.replace(/"/g, '').split('.').pop() as string);
    replay.push(sql);
  }
  if (replay.length === 0) throw new Error('recreateEventsStreamStatements: no statement creates events_stream');
  const quote = (sql: string) => `'${sql.replace(/'/g, "''")}'`;
  const body = [
    'BEGIN',
    '  SELECT COUNT(*) INTO rows_before FROM events_stream;',
    "  EXECUTE 'DROP MATERIALIZED VIEW IF EXISTS events_stream CASCADE';",
    ...replay.map((sql) => `  EXECUTE ${quote(sql)};`),
    'END;',
  ].join('\n');
  return [
    {
      name: 'recreate-events-stream-procedure',
      sql: `CREATE OR REPLACE PROCEDURE ${RECREATE_EVENTS_STREAM_PROCEDURE}(rows_before OUT BIGINT)\nAS $$\n${body}\n$$ LANGUAGE plpgsql\nSECURITY DEFINER`,
    },
    // Connecting takes redshift-serverless:GetCredentials on the workgroup, which only the deploy and erasure roles hold.
    { name: 'recreate-events-stream-execute', sql: `GRANT EXECUTE ON PROCEDURE ${RECREATE_EVENTS_STREAM_PROCEDURE}() TO PUBLIC` },
  ];
}
