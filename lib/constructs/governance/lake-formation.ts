/**
 * Lake Formation over the lake database: the deploy role as data lake admin
 * (or a check that it is one), the lake's locations registered with a
 * data-access role, LF-tags from the PII classification on every table and
 * column, and grants by tag expression to the configured roles and to the
 * services that read the lake.
 */
import { CustomResource, DefaultStackSynthesizer, Duration, Fn, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';
import type { C360Config } from '../../../lambda/config';
import { PII_CLASSES, type PiiClass } from '../../../lambda/config/governance';
import { classification, columnClassification, governanceRoles, maxClass } from '../../../lambda/governance/contracts/classification';
import { C360Function } from '../common/c360-function';
import { lakeReaderRolePath, type GovernedTable } from '../common/governed-lake';
import { acknowledgeWildcardResource } from '../common/nag';
import { NAME_RULES, uniquePhysicalName } from '../common/physical-names';

/**
 * The LF-tag of how personal a table or column is (`direct`, `indirect`, `none`). LF-tags are
 * one namespace per account and Region: the deployed key is `c360:class:<app>-<suffix>` (`classTagKey`).
 */
export const CLASS_TAG = 'c360:class';
/** The LF-tag of what kind of data it is (the classification's categories); deployed as `c360:domain:<app>-<suffix>` (`domainTagKey`). */
export const DOMAIN_TAG = 'c360:domain';
/** Where the README explains the bootstrap of an account that already has data lake admins. */
export const BOOTSTRAP_SECTION = 'README.md, section "Lake Formation bootstrap"';
/** CloudFormation type of the admin check. */
export const LAKE_FORMATION_CHECK_TYPE = 'Custom::C360LakeFormationCheck';
/** What reading a table takes in Lake Formation. */
export const READ_PERMISSIONS = ['SELECT', 'DESCRIBE'] as const;

/** One governed S3 location: a bucket, its key and the prefixes registered with Lake Formation. */
export interface LakeLocation {
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** Literal folders ending in `/`. */
  readonly prefixes: readonly string[];
}

/** Lake Formation permissions of one service principal (a role that is not a person). */
export interface LakeGrant {
  /** Construct-id prefix of its grants: keep it stable. */
  readonly id: string;
  /** A role ARN, or a QuickSight user or group ARN. */
  readonly principalArn: string;
  /** Permissions on the lake database (`DESCRIBE` always). @default ['DESCRIBE'] */
  readonly database?: readonly string[];
  /** Read (SELECT, DESCRIBE) every table of every class through the class tag. @default false */
  readonly readAll?: boolean;
  /** Permissions on named tables (the profile export's partition writes, Entity Resolution's snapshot). */
  readonly tables?: { readonly names: readonly string[]; readonly permissions: readonly string[] };
}

export interface LakeFormationProps {
  readonly config: C360Config;
  /** The lake's Glue database. */
  readonly databaseName: string;
  /** Every table of the lake database, with its columns. */
  readonly tables: readonly GovernedTable[];
  /** What Lake Formation serves data from. */
  readonly locations: readonly LakeLocation[];
  /** Service principals and their permissions. */
  readonly grants: readonly LakeGrant[];
  /** Created first: the database and the tables (resources of other stacks order themselves by stack dependency). */
  readonly dependsOn?: readonly IDependable[];
  readonly logEncryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** A construct-id fragment from a name (`c360:class`, `segment_events`, `raw-lake` → `Segment…`). */
const idOf = (name: string) =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

/** The class and category of each column of a table, and the table's own class (its most personal column). */
export function tableClassification(config: C360Config, table: GovernedTable): {
  readonly tableClass: PiiClass;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly class: PiiClass; readonly category: string }>;
} {
  const c = classification(config);
  const columns = table.columns.map((name) => ({ name, ...columnClassification(c, name) }));
  const tableClass = columns.reduce<PiiClass>((acc, col) => maxClass(acc, col.class), 'none');
  return { tableClass, columns };
}

/** The CloudFormation execution role of the CDK bootstrap: the identity CloudFormation calls Lake Formation with. */
export function deployRoleArn(stack: Stack): string {
  const synthesizer = stack.synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) {
    throw new Error('LakeFormation: the data lake admin is the CDK bootstrap\'s CloudFormation execution role; use the DefaultStackSynthesizer, or set governance.lakeFormation.enabled to false');
  }
  return Fn.sub(synthesizer.cloudFormationExecutionRoleArn);
}

/**
 * Lake Formation, when `governance.lakeFormation.enabled`.
 *
 * - Admins: `AWS::LakeFormation::DataLakeSettings` (mutation `APPEND`, so
 *   admins added outside the stack stay) makes the deploy role and
 *   `lakeFormation.admins` data lake admins. With `existingAdmins` the
 *   settings are not written (only an admin may change them); a custom
 *   resource reads them instead and fails the deployment, pointing to the
 *   README's bootstrap, unless the deploy role is already an admin.
 * - Locations: each prefix registered (`AWS::LakeFormation::Resource`) with a
 *   data-access role of this construct (read and decrypt on those prefixes
 *   only), under the lake-readers IAM path the buckets' policies exempt.
 * - Tags: `c360:class` (direct, indirect, none) and `c360:domain` (the
 *   categories in use), each key ending in the app name and the deployment's
 *   suffix, on every table (its most personal class) and every
 *   column (its own class and category, from the classification).
 * - Grants by tag expression: each role of `governanceRoles(config)` with
 *   principals gets SELECT and DESCRIBE on the columns whose class it sees;
 *   the services in `grants` get what they need.
 *
 * IAM_ALLOWED_PRINCIPALS: the lake database is created with empty
 * CreateTableDefaultPermissions (RawLake), so no table of it gets the
 * IAM-only grant and Lake Formation permissions alone apply.
 */
export class LakeFormation extends Construct {
  /** The role Lake Formation reads registered locations with. */
  public readonly dataAccessRole: iam.Role;
  /** What every tag association and grant waits for: the admin settings or the admin check. */
  public readonly adminReady: IDependable;
  public readonly classTag: lakeformation.CfnTag;
  public readonly domainTag: lakeformation.CfnTag;
  /** The deployed key of the class tag (`c360:class:<app>-<suffix>`). */
  public readonly classTagKey: string;
  /** The deployed key of the domain tag (`c360:domain:<app>-<suffix>`). */
  public readonly domainTagKey: string;
  /** The admin check (with `existingAdmins`). */
  public readonly check?: CustomResource;

  constructor(scope: Construct, id: string, props: LakeFormationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, databaseName } = props;
    const lf = config.governance.lakeFormation;
    const catalogId = stack.account;
    const deployRole = deployRoleArn(stack);

    // --- admins --------------------------------------------------------------------------------
    if (lf.existingAdmins) {
      const check = this.adminCheck(deployRole, props);
      this.check = check;
      this.adminReady = check;
    } else {
      this.adminReady = new lakeformation.CfnDataLakeSettings(this, 'Settings', {
        admins: [...new Set([deployRole, ...lf.admins])].map((arn) => ({ dataLakePrincipalIdentifier: arn })),
        mutationType: 'APPEND',
      });
    }

    // --- locations -----------------------------------------------------------------------------
    this.dataAccessRole = new iam.Role(this, 'DataAccessRole', {
      assumedBy: new iam.ServicePrincipal('lakeformation.amazonaws.com'),
      path: lakeReaderRolePath(config.appName),
      description: 'c360 governance: Lake Formation reads the registered lake locations with this role',
    });
    const locationPolicy = new iam.Policy(this, 'DataAccessPolicy', { roles: [this.dataAccessRole] });
    for (const location of props.locations) {
      const objects = location.prefixes.map((prefix) => location.bucket.arnForObjects(`${prefix}*`));
      locationPolicy.addStatements(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [location.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': location.prefixes.flatMap((p) => [p.replace(/\/$/, ''), `${p}*`]) } },
        }),
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: objects }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [location.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` } },
        }),
      );
      for (const [i, prefix] of location.prefixes.entries()) {
        acknowledgeWildcardResource(
          locationPolicy,
          objects[i] as string,
          `Lake Formation's data-access role reads (GetObject) the registered location "${prefix}" only: S3 expresses a key prefix as a trailing wildcard. No write or delete.`,
        );
        const resource = new lakeformation.CfnResource(this, `Location${idOf(location.bucket.node.id)}${idOf(prefix)}`, {
          resourceArn: `${location.bucket.bucketArn}/${prefix.replace(/\/$/, '')}`,
          useServiceLinkedRole: false,
          roleArn: this.dataAccessRole.roleArn,
        });
        resource.node.addDependency(locationPolicy, this.adminReady);
      }
    }

    // --- tags ------------------------------------------------------------------------------------
    const classified = props.tables.map((table) => ({ table, ...tableClassification(config, table) }));
    const categories = [...new Set(classified.flatMap((t) => t.columns.map((c) => c.category)))].sort();
    const classKey = uniquePhysicalName(this, `${CLASS_TAG}:${config.appName}`, NAME_RULES.lakeFormationTag);
    const domainKey = uniquePhysicalName(this, `${DOMAIN_TAG}:${config.appName}`, NAME_RULES.lakeFormationTag);
    this.classTagKey = classKey;
    this.domainTagKey = domainKey;
    this.classTag = new lakeformation.CfnTag(this, 'ClassTag', { catalogId, tagKey: classKey, tagValues: [...PII_CLASSES] });
    this.domainTag = new lakeformation.CfnTag(this, 'DomainTag', { catalogId, tagKey: domainKey, tagValues: categories });
    for (const tag of [this.classTag, this.domainTag]) tag.node.addDependency(this.adminReady);
    const tags = [this.classTag, this.domainTag];
    const after = [...tags, ...(props.dependsOn ?? [])];

    for (const { table, tableClass, columns } of classified) {
      const tableId = idOf(table.name);
      const association = (assocId: string, resource: lakeformation.CfnTagAssociation.ResourceProperty, key: string, value: string) => {
        const a = new lakeformation.CfnTagAssociation(this, assocId, { resource, lfTags: [{ catalogId, tagKey: key, tagValues: [value] }] });
        a.node.addDependency(...after, ...(table.resource === undefined ? [] : [table.resource]));
        return a;
      };
      association(`${tableId}TableClass`, { table: { catalogId, databaseName, name: table.name } }, classKey, tableClass);
      const groups = (key: 'class' | 'category') => {
        const byValue = new Map<string, string[]>();
        for (const c of columns) byValue.set(c[key], [...(byValue.get(c[key]) ?? []), c.name]);
        return [...byValue.entries()].sort(([a], [b]) => a.localeCompare(b));
      };
      for (const [cls, names] of groups('class')) {
        association(`${tableId}Columns${idOf(cls)}`, { tableWithColumns: { catalogId, databaseName, name: table.name, columnNames: names } }, classKey, cls);
      }
      for (const [category, names] of groups('category')) {
        association(`${tableId}Domain${idOf(category)}`, { tableWithColumns: { catalogId, databaseName, name: table.name, columnNames: names } }, domainKey, category);
      }
    }

    // --- grants ----------------------------------------------------------------------------------
    const grant = (grantId: string, principalArn: string, resource: lakeformation.CfnPrincipalPermissions.ResourceProperty, permissions: readonly string[]) => {
      const g = new lakeformation.CfnPrincipalPermissions(this, grantId, {
        principal: { dataLakePrincipalIdentifier: principalArn },
        resource,
        permissions: [...permissions],
        permissionsWithGrantOption: [],
      });
      g.node.addDependency(...after);
      return g;
    };
    const byClass = (classes: readonly PiiClass[]) => ({
      lfTagPolicy: { catalogId, resourceType: 'TABLE', expression: [{ tagKey: classKey, tagValues: [...classes] }] },
    });
    const database = { database: { catalogId, name: databaseName } };

    for (const [roleName, role] of Object.entries(governanceRoles(config))) {
      for (const [i, principal] of role.principals.entries()) {
        const prefix = `Role${idOf(roleName)}${i}`;
        grant(`${prefix}Database`, principal, database, ['DESCRIBE']);
        grant(`${prefix}Tables`, principal, byClass(role.sees), READ_PERMISSIONS);
      }
    }
    for (const g of props.grants) {
      grant(`${g.id}Database`, g.principalArn, database, g.database ?? ['DESCRIBE']);
      if (g.readAll === true) grant(`${g.id}Tables`, g.principalArn, byClass(PII_CLASSES), READ_PERMISSIONS);
      for (const name of g.tables?.names ?? []) {
        grant(`${g.id}${idOf(name)}`, g.principalArn, { table: { catalogId, databaseName, name } }, g.tables?.permissions ?? []);
      }
    }
  }

  /** The custom resource that fails the deployment unless the deploy role is already a data lake admin. */
  private adminCheck(deployRole: string, props: LakeFormationProps): CustomResource {
    const fn = new C360Function(this, 'CheckFunction', {
      entry: 'lambda/governance/functions/lake-formation-check.ts',
      serviceName: 'lake-formation-check',
      description: 'c360: checks at deploy time that the deploy role is a Lake Formation data lake admin',
      timeout: Duration.minutes(1),
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      logEncryptionKey: props.logEncryptionKey,
    });
    // GetDataLakeSettings takes no resource-level permission.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['lakeformation:GetDataLakeSettings'], resources: ['*'] }));
    Validations.of(fn.role as iam.IRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" for X-Ray (no resource-level permissions) and for lakeformation:GetDataLakeSettings, which has none either: the check only reads the account\'s data lake admins.',
    });
    const frameworkRole = new iam.Role(this, 'CheckProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'c360 governance: the custom-resource framework that invokes the Lake Formation admin check',
    });
    const frameworkLogs = new logs.LogGroup(this, 'CheckProviderLogGroup', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
      encryptionKey: props.logEncryptionKey,
    });
    frameworkLogs.grantWrite(frameworkRole);
    const provider = new Provider(this, 'CheckProvider', { onEventHandler: fn, frameworkOnEventRole: frameworkRole, logGroup: frameworkLogs });
    acknowledgeWildcardResource(
      frameworkRole,
      `${fn.functionArn}:*`,
      'The custom-resource framework invokes the Lake Formation admin check only: lambda:InvokeFunction on that function and its versions and aliases (the ":*" qualifier), as the CDK grants it.',
    );
    const onEvent = provider.node.findChild('framework-onEvent') as lambda.Function;
    Validations.of(onEvent).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The CDK Provider framework\'s own onEvent function (deploy time only, code and runtime chosen by the CDK): its runtime follows the CDK version.',
    });
    return new CustomResource(this, 'Check', {
      serviceToken: provider.serviceToken,
      resourceType: LAKE_FORMATION_CHECK_TYPE,
      properties: { DeployRoleArn: deployRole, Bootstrap: BOOTSTRAP_SECTION },
    });
  }
}
