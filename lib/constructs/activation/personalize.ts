/** Amazon Personalize: the dataset group under the activation key, its schemas and datasets, the event tracker, the two solutions and the purchase filter. */
import { Names, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as personalize from 'aws-cdk-lib/aws-personalize';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IDependable } from 'constructs';
import type { ActivationConfig } from '../../../lambda/config/activation';
import { acknowledgeWildcardResource } from '../common/nag';
import { PERSONALIZE_PREFIX } from './models-bucket';

/** The two models c360 trains and deploys: recommendations for a profile, and items similar to an item. */
export const PERSONALIZE_MODELS = ['user', 'similar'] as const;
export type PersonalizeModel = (typeof PERSONALIZE_MODELS)[number];

/** The Personalize EVENT_TYPE the "exclude purchased" filter drops. */
export const PURCHASE_EVENT_TYPE = 'Purchase';

/** Avro namespace Personalize's schemas use. */
const SCHEMA_NAMESPACE = 'com.amazonaws.personalize.schema';

/**
 * A config attribute name as a Personalize schema field: `category` →
 * `CATEGORY`, `preferredChannel` → `PREFERRED_CHANNEL`. Personalize's
 * PutItems / PutUsers take the fields back in lowerCamelCase
 * (`{"category": …, "preferredChannel": …}`), i.e. the config names as written.
 */
export function personalizeFieldName(attribute: string): string {
  return attribute.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

interface AvroField {
  readonly name: string;
  readonly type: string | readonly string[];
  readonly categorical?: boolean;
}

function avroSchema(name: string, fields: readonly AvroField[]): string {
  return JSON.stringify({ type: 'record', name, namespace: SCHEMA_NAMESPACE, fields, version: '1.0' });
}

/** Interactions: who (the c360 profile id, never an email), what, when (epoch seconds), how, and how much. */
export function interactionsSchema(): string {
  return avroSchema('Interactions', [
    { name: 'USER_ID', type: 'string' },
    { name: 'ITEM_ID', type: 'string' },
    { name: 'TIMESTAMP', type: 'long' },
    { name: 'EVENT_TYPE', type: 'string' },
    { name: 'EVENT_VALUE', type: ['null', 'float'] },
  ]);
}

/** Items: ITEM_ID and the configured catalog attributes (categorical strings, numeric floats); no personal data. */
export function itemsSchema(attributes: ActivationConfig['recommendations']['itemAttributes']): string {
  return avroSchema('Items', [
    { name: 'ITEM_ID', type: 'string' },
    ...Object.entries(attributes).map(([attribute, kind]): AvroField =>
      kind === 'categorical'
        ? { name: personalizeFieldName(attribute), type: ['null', 'string'], categorical: true }
        : { name: personalizeFieldName(attribute), type: ['null', 'float'] },
    ),
  ]);
}

/** Users: USER_ID (the profile id) and the configured computed traits, as categorical strings. */
export function usersSchema(attributes: readonly string[]): string {
  return avroSchema('Users', [
    { name: 'USER_ID', type: 'string' },
    ...attributes.map((attribute): AvroField => ({ name: personalizeFieldName(attribute), type: ['null', 'string'], categorical: true })),
  ]);
}

export interface PersonalizeProps {
  readonly config: ActivationConfig['recommendations'];
  /** The activation key: the dataset group's data is encrypted with it. */
  readonly key: kms.IKey;
  /** The models bucket: Personalize's role reads import and deletion files under `personalize/`. */
  readonly modelsBucket: s3.Bucket;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A custom dataset group encrypted with the activation key, and in it:
 *
 * - three datasets with their schemas: Interactions (USER_ID, ITEM_ID,
 *   TIMESTAMP, EVENT_TYPE, EVENT_VALUE), Items (ITEM_ID and the configured
 *   item attributes) and Users (USER_ID and the configured user attributes;
 *   only when some are configured, since Personalize wants one field
 *   besides the id);
 * - the event tracker the interactions function puts events to;
 * - a user-personalization solution and a similar-items solution (the
 *   recipes from the config), trained by the training workflow; training
 *   is not a CloudFormation resource, nor are the campaigns, which need a
 *   trained version: the workflow creates them under the names here, so
 *   their ARNs are known before they exist;
 * - the "exclude purchased" filter.
 *
 * Personalize uses the key through a service role (`role`), which may also
 * read `personalize/` of the models bucket (dataset imports, the USER_ID
 * lists of data deletion jobs); the key policy and the bucket policy let
 * the Personalize service in this account use both.
 *
 * Names are generated from the construct path; the construct id is a contract.
 * Every resource takes the configured removal policy. With `destroy`, delete
 * the two campaigns first (the workflow made them, outside CloudFormation):
 * Personalize refuses to delete a solution that a campaign still serves.
 */
export class Personalize extends Construct {
  public readonly role: iam.Role;
  public readonly datasetGroup: personalize.CfnDatasetGroup;
  public readonly datasetGroupArn: string;
  public readonly interactionsDatasetArn: string;
  public readonly itemsDatasetArn?: string;
  public readonly usersDatasetArn?: string;
  public readonly eventTracker: personalize.CfnEventTracker;
  public readonly eventTrackerArn: string;
  /** The tracking id PutEvents takes. */
  public readonly trackingId: string;
  public readonly solutions: Readonly<Record<PersonalizeModel, personalize.CfnSolution>>;
  public readonly excludePurchasedFilter: personalize.CfnFilter;
  public readonly excludePurchasedFilterArn: string;
  /** Campaign names the training workflow creates, and their ARNs. */
  public readonly campaignNames: Readonly<Record<PersonalizeModel, string>>;
  public readonly campaignArns: Readonly<Record<PersonalizeModel, string>>;

  constructor(scope: Construct, id: string, props: PersonalizeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config, key, modelsBucket, removalPolicy } = props;
    // Personalize names: 63 characters of [A-Za-z0-9_-], unique per account and region.
    const base = Names.uniqueResourceName(this, { maxLength: 40, separator: '-' });
    const name = (suffix: string) => `${base}-${suffix}`;
    const retain = <T extends personalize.CfnDatasetGroup | personalize.CfnSchema | personalize.CfnDataset | personalize.CfnEventTracker | personalize.CfnSolution | personalize.CfnFilter>(r: T): T => {
      r.applyRemovalPolicy(removalPolicy);
      return r;
    };

    // --- the service role and its use of the key and the bucket ------------------------------------
    const personalizeArns = stack.formatArn({ service: 'personalize', resource: '*' });
    this.role = new iam.Role(this, 'ServiceRole', {
      description: 'c360 activation: Amazon Personalize uses the activation key and reads personalize/ of the models bucket with this role',
      assumedBy: new iam.ServicePrincipal('personalize.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': personalizeArns } },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey', 'kms:ListGrants'], resources: [key.keyArn] }),
    );
    // Grants Personalize makes on the key for its own resources (the dataset group's storage).
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [key.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }),
    );
    const files = modelsBucket.arnForObjects(`${PERSONALIZE_PREFIX}*`);
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [files] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [modelsBucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${PERSONALIZE_PREFIX}*`] } } }),
    );
    acknowledgeWildcardResource(
      this.role,
      files,
      `Personalize reads dataset import files and data deletion lists under "${PERSONALIZE_PREFIX}" of the models bucket only: S3 expresses a key prefix as a trailing wildcard. No write or delete.`,
    );

    const service = new iam.ServicePrincipal('personalize.amazonaws.com');
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
    const keyPolicy = key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowPersonalizeOfThisAccount',
        principals: [service, new iam.ArnPrincipal(this.role.roleArn)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:ListGrants'],
        resources: ['*'],
      }),
      /* allowNoOp */ true,
    );
    if (!keyPolicy.statementAdded) throw new Error('Personalize: the key must be one this app creates, so that Personalize can be allowed to use it');
    const bucketPolicy = modelsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowPersonalizeToReadItsFiles',
        principals: [service],
        actions: ['s3:GetObject', 's3:ListBucket'],
        resources: [modelsBucket.bucketArn, files],
        conditions: fromThisAccount,
      }),
    );
    if (!bucketPolicy.statementAdded) throw new Error('Personalize: the models bucket must be one this app creates (its policy is managed here)');

    // --- dataset group, schemas, datasets ------------------------------------------------------------
    this.datasetGroup = retain(
      new personalize.CfnDatasetGroup(this, 'DatasetGroup', { name: name('dataset-group'), kmsKeyArn: key.keyArn, roleArn: this.role.roleArn }),
    );
    // Personalize checks the role's access to the key when it creates the group.
    this.datasetGroup.node.addDependency(this.role);
    this.datasetGroupArn = this.datasetGroup.attrDatasetGroupArn;

    const dataset = (kind: 'Interactions' | 'Items' | 'Users', schema: string) => {
      const schemaResource = retain(new personalize.CfnSchema(this, `${kind}Schema`, { name: name(`${kind.toLowerCase()}-schema`), schema }));
      return retain(
        new personalize.CfnDataset(this, `${kind}Dataset`, {
          name: name(kind.toLowerCase()),
          datasetType: kind,
          datasetGroupArn: this.datasetGroupArn,
          schemaArn: schemaResource.attrSchemaArn,
        }),
      );
    };
    const interactions = dataset('Interactions', interactionsSchema());
    this.interactionsDatasetArn = interactions.attrDatasetArn;
    const datasets: IDependable[] = [interactions];
    if (Object.keys(config.itemAttributes).length > 0) {
      const items = dataset('Items', itemsSchema(config.itemAttributes));
      this.itemsDatasetArn = items.attrDatasetArn;
      datasets.push(items);
    }
    if (config.userAttributes.length > 0) {
      const users = dataset('Users', usersSchema(config.userAttributes));
      this.usersDatasetArn = users.attrDatasetArn;
      datasets.push(users);
    }

    // --- event tracker, solutions, filter ------------------------------------------------------------
    this.eventTracker = retain(new personalize.CfnEventTracker(this, 'EventTracker', { name: name('event-tracker'), datasetGroupArn: this.datasetGroupArn }));
    this.eventTracker.node.addDependency(interactions);
    this.eventTrackerArn = this.eventTracker.attrEventTrackerArn;
    this.trackingId = this.eventTracker.attrTrackingId;

    const solution = (model: PersonalizeModel, recipeArn: string) => {
      const resource = retain(
        new personalize.CfnSolution(this, model === 'user' ? 'UserSolution' : 'SimilarItemsSolution', {
          name: name(model === 'user' ? 'user-personalization' : 'similar-items'),
          datasetGroupArn: this.datasetGroupArn,
          recipeArn,
          performHpo: false,
        }),
      );
      // A solution is created against the datasets it trains on.
      resource.node.addDependency(...datasets);
      return resource;
    };
    this.solutions = { user: solution('user', config.personalize.recipe), similar: solution('similar', config.personalize.similarItemsRecipe) };

    this.excludePurchasedFilter = retain(
      new personalize.CfnFilter(this, 'ExcludePurchasedFilter', {
        name: name('exclude-purchased'),
        datasetGroupArn: this.datasetGroupArn,
        filterExpression: `EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("${PURCHASE_EVENT_TYPE}")`,
      }),
    );
    this.excludePurchasedFilter.node.addDependency(interactions);
    this.excludePurchasedFilterArn = this.excludePurchasedFilter.attrFilterArn;

    this.campaignNames = { user: name('user-campaign'), similar: name('similar-campaign') };
    this.campaignArns = {
      user: stack.formatArn({ service: 'personalize', resource: 'campaign', resourceName: this.campaignNames.user }),
      similar: stack.formatArn({ service: 'personalize', resource: 'campaign', resourceName: this.campaignNames.similar }),
    };
  }

  /** ARN pattern of the solution versions of one model's solution (`<solution ARN>/<version id>`). */
  public solutionVersionArns(model: PersonalizeModel): string {
    return `${this.solutions[model].attrSolutionArn}/*`;
  }
}
