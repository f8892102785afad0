import { DescribeCampaignCommand, PersonalizeClient, ResourceNotFoundException } from '@aws-sdk/client-personalize';
import { PersonalizeEventsClient, PutEventsCommand, PutItemsCommand } from '@aws-sdk/client-personalize-events';
import { GetRecommendationsCommand, PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PersonalizeEventsIngest, personalizePropertyName } from '../../../lambda/activation/adapters/personalize-ingest';
import { PersonalizeRuntimeRecommender } from '../../../lambda/activation/adapters/personalize-runtime';
import type { CatalogItem } from '../../../lambda/activation/contracts/recommendations';
import { interaction } from './support';

const events = mockClient(PersonalizeEventsClient);
const runtime = mockClient(PersonalizeRuntimeClient);
const control = mockClient(PersonalizeClient);

beforeEach(() => {
  events.reset();
  runtime.reset();
  control.reset();
});

describe('PersonalizeEventsIngest', () => {
  const ingest = () => new PersonalizeEventsIngest(new PersonalizeEventsClient({ region: 'us-east-1' }), { trackingId: 'track-1', itemsDatasetArn: 'arn:items' });

  it('puts events at most 10 per call, one user and session per call, the profile id as USER_ID', async () => {
    events.on(PutEventsCommand).resolves({});
    const many = Array.from({ length: 23 }, (_, k) => ({ ...interaction('p-1', `i${k}`, 'View', k), sessionId: 'anon-1', eventValue: k }));
    const other = { ...interaction('p-2', 'x', 'Purchase'), sessionId: 'anon-2' };
    await ingest().putEvents([...many, other]);
    const calls = events.commandCalls(PutEventsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.eventList?.length)).toEqual([10, 10, 3, 1]);
    expect(calls.every((c) => c.trackingId === 'track-1')).toBe(true);
    expect(calls.map((c) => [c.userId, c.sessionId])).toEqual([
      ['p-1', 'anon-1'],
      ['p-1', 'anon-1'],
      ['p-1', 'anon-1'],
      ['p-2', 'anon-2'],
    ]);
    expect(calls[0]?.eventList?.[0]).toEqual({ eventId: many[0]?.messageId, eventType: 'View', itemId: 'i0', sentAt: new Date(many[0]?.at as number), eventValue: 0 });
    expect(calls[3]?.eventList?.[0]).not.toHaveProperty('eventValue');
  });

  it('puts items at most 10 per call, the attributes as a JSON string with camel-case names', async () => {
    events.on(PutItemsCommand).resolves({});
    const items: CatalogItem[] = Array.from({ length: 21 }, (_, k) => ({ itemId: `SKU-${k}`, attributes: { category: 'Bags', sub_category: 'Daypacks', price: k }, updatedAt: '2026-11-01T00:00:00.000Z' }));
    await ingest().putItems(items);
    const calls = events.commandCalls(PutItemsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.items?.length)).toEqual([10, 10, 1]);
    expect(calls[0]?.datasetArn).toBe('arn:items');
    expect(calls[2]?.items?.[0]).toEqual({ itemId: 'SKU-20', properties: JSON.stringify({ category: 'Bags', subCategory: 'Daypacks', price: 20 }) });
  });

  it('refuses to send without its tracker or dataset, and sends nothing for nothing', async () => {
    const bare = new PersonalizeEventsIngest(new PersonalizeEventsClient({ region: 'us-east-1' }), {});
    await expect(bare.putEvents([interaction('p', 'i')])).rejects.toThrow('no Personalize event tracker');
    await expect(bare.putItems([{ itemId: 'a', attributes: {}, updatedAt: 'x' }])).rejects.toThrow('no Personalize items dataset');
    await bare.putEvents([]);
    expect(events.calls()).toHaveLength(0);
  });

  it('names properties as PutItems expects', () => {
    expect(personalizePropertyName('category')).toBe('category');
    expect(personalizePropertyName('SUB_CATEGORY')).toBe('subCategory');
    expect(personalizePropertyName('subCategory')).toBe('subCategory');
  });
});

describe('PersonalizeRuntimeRecommender', () => {
  let now = 0;
  const recommender = (extra: { campaignArn?: string; similarCampaignArn?: string } = { campaignArn: 'arn:campaign', similarCampaignArn: 'arn:similar' }) =>
    new PersonalizeRuntimeRecommender({
      runtime: new PersonalizeRuntimeClient({ region: 'us-east-1' }),
      control: new PersonalizeClient({ region: 'us-east-1' }),
      filterArn: 'arn:filter',
      clock: () => now,
      ...extra,
    });

  it('recommends for the profile id with the filter and context, and similar items for an item', async () => {
    runtime.on(GetRecommendationsCommand).resolves({ itemList: [{ itemId: 'A', score: 0.7 }, { itemId: 'B' }, {}] });
    const r = recommender();
    expect(await r.recommend('p-1', 5, { DEVICE_TYPE: 'mobile' })).toEqual([
      { itemId: 'A', score: 0.7 },
      { itemId: 'B', score: 0 },
    ]);
    await r.similar('SKU-1', 3);
    const [user, similar] = runtime.commandCalls(GetRecommendationsCommand).map((c) => c.args[0].input);
    expect(user).toEqual({ campaignArn: 'arn:campaign', userId: 'p-1', numResults: 5, context: { DEVICE_TYPE: 'mobile' }, filterArn: 'arn:filter' });
    expect(similar).toEqual({ campaignArn: 'arn:similar', itemId: 'SKU-1', numResults: 3 });
  });

  it('reads the active model from the campaign, and keeps it for five minutes', async () => {
    control.on(DescribeCampaignCommand).resolves({ campaign: { status: 'ACTIVE', solutionVersionArn: 'arn:version/1' } });
    const r = recommender();
    now = 0;
    expect(await r.activeModel('user')).toBe('arn:version/1');
    now = 4 * 60 * 1000;
    expect(await r.activeModel('user')).toBe('arn:version/1');
    expect(control.commandCalls(DescribeCampaignCommand)).toHaveLength(1);
    now = 6 * 60 * 1000;
    control.on(DescribeCampaignCommand).resolves({ campaign: { status: 'CREATE IN_PROGRESS', solutionVersionArn: 'arn:version/2' } });
    expect(await r.activeModel('user')).toBeUndefined();
    expect(control.commandCalls(DescribeCampaignCommand)).toHaveLength(2);
  });

  it('has no model while the campaign does not exist, or none is configured', async () => {
    control.on(DescribeCampaignCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    expect(await recommender().activeModel('similar')).toBeUndefined();
    expect(await recommender({}).activeModel('user')).toBeUndefined();
    expect(control.commandCalls(DescribeCampaignCommand)).toHaveLength(1);
  });

  it('passes other errors on, so that the caller falls back and says why', async () => {
    control.on(DescribeCampaignCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(recommender().activeModel('user')).rejects.toThrow('denied');
  });
});
