import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { documentClient } from '../../../lambda/shared/clients';
import { close, listen } from '../../../lambda/local/http';
import { DynamoInteractionStore, interactionSk } from '../../../lambda/activation/adapters/dynamodb-interactions';
import { DynamoItemCatalog } from '../../../lambda/activation/adapters/dynamodb-item-catalog';
import { FileDocumentStore } from '../../../lambda/activation/adapters/file-documents';
import { RECOMMENDER_MODEL_KEY, type Interaction, type RecommenderModel } from '../../../lambda/activation/contracts/recommendations';
import { rebuildRecommender, rebuildSettings } from '../../../lambda/activation/usecases/rebuild-recommender';
import { trainingCheck } from '../../../lambda/activation/usecases/training-check';
import { createTrainingCheck } from '../../../lambda/activation/handlers/training-check';
import { interaction, MemoryDocuments, MemoryInteractions, NOW } from './support';

const TABLE = 'activation-test';
let server: ReturnType<typeof dynalite>;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  const endpoint = `http://127.0.0.1:${await listen(server, 0)}`;
  const ddb = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  ddb.destroy();
  doc = documentClient({ region: 'us-east-1', endpoint });
});

afterAll(async () => {
  doc.destroy();
  await close(server);
});

describe('DynamoInteractionStore on DynamoDB', () => {
  it('writes each interaction once under the profile, whatever the redeliveries, and reads a profile newest first', async () => {
    const store = new DynamoInteractionStore(doc, TABLE, { retentionDays: 30 });
    const mine = Array.from({ length: 30 }, (_, k) => interaction('p-store', `i${k}`, 'View', k));
    await store.put(mine);
    // Redelivered, and the same interaction twice in one call.
    await store.put([...mine.slice(0, 5), mine[0] as Interaction]);
    await store.put([{ ...interaction('p-store', 'i0', 'Purchase', 0), eventValue: 12.5, sessionId: 'anon-9' }]);
    const recent = await store.recent('p-store', 4);
    expect(recent.map((i) => [i.itemId, i.eventType])).toEqual([
      // The same moment: by item, then type (the key's order).
      ['i0', 'View'],
      ['i0', 'Purchase'],
      ['i1', 'View'],
      ['i2', 'View'],
    ]);
    expect(recent[1]).toEqual({ ...interaction('p-store', 'i0', 'Purchase', 0), eventValue: 12.5, sessionId: 'anon-9' });
    expect(await store.recent('p-store', 100)).toHaveLength(31);
    const raw = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'INT#p-store', sk: interactionSk(mine[3] as Interaction) } }));
    expect(raw.Item?.expiresAt).toBe(Math.floor((mine[3] as Interaction).at / 1000) + 30 * 86_400);
  });

  it('scans every interaction of every profile, and nothing else of the table', async () => {
    const store = new DynamoInteractionStore(doc, TABLE);
    await store.put([interaction('p-scan-1', 'a'), interaction('p-scan-2', 'b')]);
    await new DynamoItemCatalog(doc, TABLE).put([{ itemId: 'not-an-interaction', attributes: {}, updatedAt: 'x' }]);
    const seen: Interaction[] = [];
    for await (const i of store.scan()) seen.push(i);
    expect(seen.filter((i) => i.profileId.startsWith('p-scan')).map((i) => i.itemId).sort()).toEqual(['a', 'b']);
    expect(seen.every((i) => typeof i.itemId === 'string' && i.profileId !== undefined && i.profileId !== 'undefined')).toBe(true);
  });
});

describe('DynamoItemCatalog on DynamoDB', () => {
  it('puts items (a later one replacing an earlier) and gets those it knows, across BatchGet pages', async () => {
    const catalog = new DynamoItemCatalog(doc, TABLE);
    const items = Array.from({ length: 130 }, (_, k) => ({ itemId: `SKU-${k}`, attributes: { category: 'Bags', price: k }, updatedAt: '2026-11-01T00:00:00.000Z' }));
    await catalog.put(items);
    await catalog.put([{ itemId: 'SKU-1', attributes: { category: 'Shoes' }, updatedAt: '2026-11-02T00:00:00.000Z' }]);
    const found = await catalog.get([...items.map((i) => i.itemId), 'unknown', 'SKU-1']);
    expect(found.size).toBe(130);
    expect(found.get('SKU-1')).toEqual({ itemId: 'SKU-1', attributes: { category: 'Shoes' }, updatedAt: '2026-11-02T00:00:00.000Z' });
    expect(found.get('SKU-129')?.attributes).toEqual({ category: 'Bags', price: 129 });
    expect(found.has('unknown')).toBe(false);
  });
});

describe('the training check', () => {
  const thresholds = { minInteractions: 5, minUsersWithTwoInteractions: 2 };

  it('is not ready below either threshold, and says by how much', async () => {
    const store = new MemoryInteractions();
    await store.put([interaction('a', '1'), interaction('a', '2'), interaction('b', '1'), interaction('c', '1')]);
    expect(await trainingCheck(store, thresholds)).toEqual({
      ready: false,
      reason: '4 interactions and 1 users with 2+ interactions; Personalize needs at least 5 and 2',
      interactions: 4,
      users: 1,
    });
  });

  it('is ready with enough interactions and users with two or more', async () => {
    const store = new MemoryInteractions();
    await store.put([interaction('a', '1'), interaction('a', '2'), interaction('b', '1'), interaction('b', '2'), interaction('c', '1')]);
    const observed: unknown[] = [];
    expect(await createTrainingCheck({ interactions: store, thresholds, observe: (c) => observed.push(c) })()).toEqual({ ready: true, interactions: 5, users: 2 });
    expect(observed).toHaveLength(1);
  });

  it('uses the config defaults Personalize needs (1000 and 25)', async () => {
    const result = await trainingCheck(new MemoryInteractions(), parseConfig({}).activation.recommendations.personalize);
    expect(result).toMatchObject({ ready: false, reason: '0 interactions and 0 users with 2+ interactions; Personalize needs at least 1000 and 25' });
  });
});

describe('the model rebuild', () => {
  it('builds the model from every interaction and stores it where the API reads it', async () => {
    const store = new MemoryInteractions();
    await store.put([interaction('a', 'tent'), interaction('a', 'bag'), interaction('b', 'tent'), interaction('b', 'bag'), interaction('c', 'old', 'Purchase', 400)]);
    const documents = new MemoryDocuments();
    const result = await rebuildRecommender({ interactions: store, documents, settings: rebuildSettings(parseConfig({})), clock: () => NOW });
    expect(result).toMatchObject({ key: RECOMMENDER_MODEL_KEY, scanned: 5, counts: { interactions: 4, profiles: 2, items: 2, pairs: 1 } });
    const model = await documents.get<RecommenderModel>(RECOMMENDER_MODEL_KEY);
    expect(model?.neighbours.tent?.[0]?.[0]).toBe('bag');
    expect(model?.builtAt).toBe(new Date(NOW).toISOString());
  });
});

describe('FileDocumentStore', () => {
  it('keeps JSON documents by key in a folder, lists them, and refuses keys outside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'c360-docs-'));
    try {
      const docs = new FileDocumentStore(dir);
      expect(await docs.get('models/recommender/current.json')).toBeUndefined();
      await docs.put('models/recommender/current.json', { a: 1 });
      await docs.put('models/propensity/churn.json', { b: 2 });
      expect(await docs.get('models/recommender/current.json')).toEqual({ a: 1 });
      expect(await docs.list('models/')).toEqual(['models/propensity/churn.json', 'models/recommender/current.json']);
      expect(await docs.list('models/recommender/')).toEqual(['models/recommender/current.json']);
      expect(await readdir(join(dir, 'models', 'recommender'))).toEqual(['current.json']);
      await expect(docs.put('../escape.json', {})).rejects.toThrow('not inside');
      expect(await new FileDocumentStore(join(dir, 'none')).list('')).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
