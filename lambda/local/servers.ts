/**
 * DynamoDB and Kinesis on this machine: dynalite and kinesalite in-process,
 * speaking the real wire APIs, with the profile table and the event stream
 * created as the stacks create them, and the SDK clients pointed at them.
 * Given folders, both keep their data there (LevelDB), so tables, records,
 * shard ids and sequence numbers survive a restart; creating a table or the
 * stream that is already there is not an error.
 */
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, ResourceInUseException as StreamInUseException, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import type { C360Config } from '../config';
import { documentClient, kinesisClient } from '../shared/clients';
import { ACTIVATION_TABLE } from '../activation/contracts/table';
import { PROFILE_TABLE, type TableDefinition } from '../unification/contracts/table';
import { mkdir } from 'node:fs/promises';
import { close, listen } from './http';

export const LOCAL_REGION = 'us-east-1';

export interface LocalServices {
  readonly dynamodbEndpoint: string;
  readonly kinesisEndpoint: string;
  readonly tableName: string;
  /** The activation table (messages, deferred sends, interactions, items, contact suppressions). */
  readonly activationTableName: string;
  readonly streamName: string;
  readonly streamArn: string;
  readonly kinesis: KinesisClient;
  readonly doc: DynamoDBDocumentClient;
  /** Destroys the clients, then stops the servers. */
  close(): Promise<void>;
}

/** Shards of the local stream: the configured count, or 2 for an on-demand stream (what one starts with). */
export function localShardCount(config: C360Config): number {
  return config.collection.stream.mode === 'on-demand' ? 2 : config.collection.stream.shards;
}

/** Folders the servers keep their data in; without them both run in memory. */
export interface ServicesStorage {
  readonly dynamodbDir: string;
  readonly kinesisDir: string;
}

/**
 * Starts both servers on free ports and creates `<appName>-profiles`, `<appName>-activation` and `<appName>-events`
 * in them (kept when already there: a kept stream keeps its shard count, whatever `shards` says).
 */
export async function startServices(config: C360Config, shards: number, storage?: ServicesStorage): Promise<LocalServices> {
  if (storage !== undefined) {
    await mkdir(storage.dynamodbDir, { recursive: true });
    await mkdir(storage.kinesisDir, { recursive: true });
  }
  const dynamoServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(storage === undefined ? {} : { path: storage.dynamodbDir }) });
  const kinesisServer = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50, ...(storage === undefined ? {} : { path: storage.kinesisDir }) });
  const dynamodbEndpoint = `http://127.0.0.1:${await listen(dynamoServer, 0)}`;
  const kinesisEndpoint = `http://127.0.0.1:${await listen(kinesisServer, 0)}`;

  const tableName = `${config.appName}-profiles`;
  const streamName = `${config.appName}-events`;
  const activationTableName = `${config.appName}-activation`;
  await createTable(dynamodbEndpoint, tableName, PROFILE_TABLE);
  await createTable(dynamodbEndpoint, activationTableName, { ...ACTIVATION_TABLE, globalSecondaryIndexes: [] });
  const kinesis = kinesisClient({ region: LOCAL_REGION, endpoint: kinesisEndpoint });
  const streamArn = await createStream(kinesis, streamName, shards);
  const doc = documentClient({ region: LOCAL_REGION, endpoint: dynamodbEndpoint });
  return {
    dynamodbEndpoint,
    kinesisEndpoint,
    tableName,
    activationTableName,
    streamName,
    streamArn,
    kinesis,
    doc,
    async close() {
      kinesis.destroy();
      doc.destroy();
      await close(kinesisServer);
      await close(dynamoServer);
    },
  };
}

async function createTable(endpoint: string, tableName: string, table: Pick<TableDefinition, 'partitionKey' | 'sortKey' | 'globalSecondaryIndexes'>): Promise<void> {
  const dynamodb = new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await dynamodb.send(new CreateTableCommand({ TableName: tableName, BillingMode: 'PAY_PER_REQUEST', ...createTableInput(table) }));
  } catch (err) {
    // Kept from an earlier start.
    if (!(err instanceof ResourceInUseException)) throw err;
  } finally {
    dynamodb.destroy();
  }
}

/** CreateTable's key schema and indexes for a table definition (the stack builds the same from it). */
function createTableInput(table: Pick<TableDefinition, 'partitionKey' | 'sortKey' | 'globalSecondaryIndexes'>) {
  const keys = [table.partitionKey, table.sortKey, ...table.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const attributes = [...new Map(keys.map((k) => [k.name, k])).values()];
  const keySchema = (pk: { name: string }, sk: { name: string }) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    { AttributeName: sk.name, KeyType: 'RANGE' as const },
  ];
  return {
    AttributeDefinitions: attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(table.partitionKey, table.sortKey),
    // CreateTable refuses an empty index list.
    ...(table.globalSecondaryIndexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((i) => ({
            IndexName: i.indexName,
            KeySchema: keySchema(i.partitionKey, i.sortKey),
            Projection: { ProjectionType: i.projection },
          })),
        }),
  };
}

/** Creates the stream unless it is kept from an earlier start; resolves with its ARN. */
async function createStream(kinesis: KinesisClient, streamName: string, shards: number): Promise<string> {
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  } catch (err) {
    if (!(err instanceof StreamInUseException)) throw err;
  }
  const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  return summary.StreamDescriptionSummary?.StreamARN as string;
}
