/** The models bucket's layout and the grants on its folders: the recommender's model, the propensity models, Personalize's import and deletion files. */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { PROPENSITY_PREFIX } from '../../../lambda/activation/contracts/propensity';
import { RECOMMENDER_MODEL_KEY } from '../../../lambda/activation/contracts/recommendations';
import type { C360Function } from '../common/c360-function';
import { acknowledgeWildcardResource } from '../common/nag';

/** The built-in recommender's model (written by the rebuild, read by the recommendations API): the folder of RECOMMENDER_MODEL_KEY. */
export const RECOMMENDER_MODELS_PREFIX = RECOMMENDER_MODEL_KEY.slice(0, RECOMMENDER_MODEL_KEY.lastIndexOf('/') + 1);
/** The propensity models, the deployed ones and every run's report (written and read by the propensity job). */
export const PROPENSITY_MODELS_PREFIX = PROPENSITY_PREFIX;
/** Files Amazon Personalize reads with a role: dataset imports, and the erasure's deletion lists (`personalize/deletions/`). */
export const PERSONALIZE_PREFIX = 'personalize/';

export type FolderAccess = 'read' | 'read-write';

/**
 * The models bucket's name in `envVar`, and on `prefix` only: GetObject
 * (and PutObject for `read-write`), ListBucket limited to the prefix (so a
 * missing document reads as absent, not as access denied), and the key
 * actions those take.
 */
export function grantFolder(fn: C360Function, bucket: s3.IBucket, options: { envVar: string; prefix: string; access: FolderAccess }): void {
  const { prefix, access } = options;
  if (!/^([A-Za-z0-9!_.'()=-]+\/)+$/.test(prefix)) throw new Error(`grantFolder: prefix must be a literal folder ending in "/", got "${prefix}"`);
  fn.addEnvironment(options.envVar, bucket.bucketName);
  const objects = bucket.arnForObjects(`${prefix}*`);
  const write = access === 'read-write';
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', ...(write ? ['s3:PutObject'] : [])], resources: [objects] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } }),
  );
  acknowledgeWildcardResource(
    fn.role as iam.IRole,
    objects,
    `Object-level s3:GetObject${write ? ' and s3:PutObject' : ''} limited to the "${prefix}" folder of the models bucket: S3 expresses a key prefix only as a trailing wildcard. No delete, and listing is limited to the same prefix.`,
  );
  bucket.encryptionKey?.grant(fn, 'kms:Decrypt', ...(write ? ['kms:GenerateDataKey', 'kms:Encrypt'] : []));
}
