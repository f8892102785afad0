import { readFileSync } from 'node:fs';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig, type C360ConfigInput } from '../../../lambda/config';
import { Personalize, personalizeFieldName } from '../../../lib/constructs/activation/personalize';
import { DataKey } from '../../../lib/constructs/common/data-key';
import { AccessLogsBucket, DataBucket } from '../../../lib/constructs/common/secure-bucket';

/** The app's feature flags (cdk.json), as `cdk synth` applies them. */
const context = (JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

function personalizeStack(input: C360ConfigInput, removalPolicy = RemovalPolicy.RETAIN) {
  const config = parseConfig(input);
  const stack = new Stack(new App({ context }), 'Scratch', { env: { account: '111111111111', region: 'eu-west-1' } });
  const key = new DataKey(stack, 'Key', { description: 'scratch', removalPolicy });
  const modelsBucket = new DataBucket(stack, 'Models', {
    encryptionKey: key,
    accessLogsBucket: new AccessLogsBucket(stack, 'Logs', { removalPolicy }),
    accessLogsPrefix: 'models/',
    removalPolicy,
  });
  const personalize = new Personalize(stack, 'Personalize', { config: config.activation.recommendations, key, modelsBucket, removalPolicy });
  return { personalize, template: Template.fromStack(stack) };
}

/** The shipped config's Personalize user attribute: a users dataset too. */
const WITH_USERS: C360ConfigInput = { activation: { recommendations: { userAttributes: ['preferredChannel'] } } };

const fields = (template: Template, kind: string) =>
  Object.values(template.findResources('AWS::Personalize::Schema'))
    .map((r) => JSON.parse(r.Properties.Schema as string) as { name: string; fields: Array<{ name: string }> })
    .find((s) => s.name === kind)
    ?.fields.map((f) => f.name);

describe('Personalize construct', () => {
  it('names schema fields in upper snake case, as PutItems/PutUsers expect their lowerCamelCase keys', () => {
    expect(personalizeFieldName('category')).toBe('CATEGORY');
    expect(personalizeFieldName('preferredChannel')).toBe('PREFERRED_CHANNEL');
    expect(personalizeFieldName('subCategory2')).toBe('SUB_CATEGORY2');
    expect(personalizeFieldName('unitPriceUSD')).toBe('UNIT_PRICE_USD');
  });

  it('follows the configured item attributes, and leaves out the users dataset when no user attribute is configured', () => {
    const { personalize, template } = personalizeStack({
      activation: { recommendations: { itemAttributes: { subCategory: 'categorical', weight: 'numeric' }, userAttributes: [] } },
    });
    expect(fields(template, 'Items')).toEqual(['ITEM_ID', 'SUB_CATEGORY', 'WEIGHT']);
    expect(fields(template, 'Users')).toBeUndefined();
    expect(Object.values(template.findResources('AWS::Personalize::Dataset')).map((d) => d.Properties.DatasetType).sort()).toEqual(['Interactions', 'Items']);
    expect(personalize.usersDatasetArn).toBeUndefined();
    expect(personalize.itemsDatasetArn).toBeDefined();
  });

  it('has no items dataset when the catalog has no attribute (Personalize wants one field besides the id)', () => {
    const { personalize, template } = personalizeStack({ activation: { recommendations: { itemAttributes: {} } } });
    expect(fields(template, 'Items')).toBeUndefined();
    expect(personalize.itemsDatasetArn).toBeUndefined();
  });

  it('creates the event tracker, solutions and filter only after the datasets they need', () => {
    const { template } = personalizeStack(WITH_USERS);
    const resources = template.toJSON().Resources as Record<string, { Type: string; DependsOn?: string[] }>;
    const datasets = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Personalize::Dataset').map(([id]) => id);
    const interactions = datasets.find((id) => id.startsWith('PersonalizeInteractionsDataset'))!;
    for (const [id, r] of Object.entries(resources)) {
      if (r.Type === 'AWS::Personalize::Solution') expect(r.DependsOn, id).toEqual(expect.arrayContaining(datasets));
      if (r.Type === 'AWS::Personalize::EventTracker' || r.Type === 'AWS::Personalize::Filter') expect(r.DependsOn, id).toContain(interactions);
    }
  });

  it('applies the removal policy to every Personalize resource', () => {
    const { template } = personalizeStack(WITH_USERS, RemovalPolicy.DESTROY);
    const resources = template.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string }>;
    const personalize = Object.entries(resources).filter(([, r]) => r.Type.startsWith('AWS::Personalize::'));
    expect(personalize.length).toBe(11);
    for (const [id, r] of personalize) expect(r.DeletionPolicy, id).toBe('Delete');
  });

  it('gives each campaign a distinct name that is a valid Personalize name, and its ARN in this account and region', () => {
    const { personalize } = personalizeStack(WITH_USERS);
    const stack = Stack.of(personalize);
    for (const model of ['user', 'similar'] as const) {
      expect(personalize.campaignNames[model]).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/);
      expect(stack.resolve(personalize.campaignArns[model])).toBe(`arn:aws:personalize:eu-west-1:111111111111:campaign/${personalize.campaignNames[model]}`);
    }
    expect(personalize.campaignNames.user).not.toBe(personalize.campaignNames.similar);
  });
});
