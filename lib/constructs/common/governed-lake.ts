/**
 * What the governance pillar needs to know of the lake's tables and buckets,
 * declared by the stacks that own them: each Glue table's name and columns
 * (Lake Formation tags them from the classification), and a bucket policy
 * that keeps the governed prefixes readable only through Lake Formation.
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IDependable } from 'constructs';

/** A Glue table of the lake database: its name and every column (partition keys included). */
export interface GovernedTable {
  readonly name: string;
  readonly columns: readonly string[];
  /** The table's resource, when the caller wants to order something after it. */
  readonly resource?: IDependable;
}

/**
 * IAM path of the roles that may read governed lake objects directly: the
 * Lake Formation data-access role (it vends credentials to Athena, Redshift
 * Spectrum, Glue) and the erasure functions (they rewrite objects). The
 * bucket policies recognise them by this path, so the buckets' stacks, which
 * deploy before the governance stack, name none of its roles.
 */
export function lakeReaderRolePath(appName: string): string {
  return `/${appName}/lake-readers/`;
}

/** `aws:PrincipalArn` pattern of every role under `lakeReaderRolePath(appName)`. */
export function lakeReaderArnPattern(appName: string): string {
  return `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role${lakeReaderRolePath(appName)}*`;
}

export interface GovernedReadsOptions {
  readonly appName: string;
  /** Literal folders ending in `/`, e.g. `raw/`. */
  readonly prefixes: readonly string[];
  /** Roles that write these prefixes (Firehose, export functions) and keep direct access. */
  readonly writers?: readonly iam.IRole[];
}

/**
 * Denies `s3:GetObject` (and `GetObjectVersion`) under the governed prefixes
 * to every principal except the lake readers (`lakeReaderRolePath`) and the
 * given writers: with the locations registered in Lake Formation, queries go
 * through Lake Formation's credentials and its column grants, and IAM
 * permissions on the objects alone no longer open the data.
 */
export function denyUngovernedReads(bucket: s3.IBucket, options: GovernedReadsOptions): void {
  for (const prefix of options.prefixes) {
    if (!/^([A-Za-z0-9!_.'()=-]+\/)+$/.test(prefix)) throw new Error(`denyUngovernedReads: prefix must be a literal folder ending in "/", got "${prefix}"`);
  }
  const result = bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyReadsOutsideLakeFormation',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: options.prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
      conditions: {
        ArnNotLike: {
          'aws:PrincipalArn': [lakeReaderArnPattern(options.appName), ...(options.writers ?? []).map((role) => role.roleArn)],
        },
      },
    }),
  );
  if (!result.statementAdded) throw new Error('denyUngovernedReads: the bucket must be one this app creates (its policy is managed here)');
}
