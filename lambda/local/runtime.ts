/**
 * The embedded default: the whole slice on one machine with no AWS account.
 * DynamoDB (dynalite) and Kinesis (kinesalite) run in-process and speak the
 * real wire APIs; the handlers use the same SDK clients pointed at them. A
 * local poller plays the event source mapping; the profile API is served on
 * localhost; the lake (quarantine, on-failure records) is a folder.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { C360Config } from '../config';
import { DynamoProfileStore } from '../unification/adapters/dynamodb-profile-store';
import { PROFILE_TABLE, type TableDefinition } from '../unification/contracts/table';
import { DynamoSegmentStore } from '../unification/adapters/dynamodb-segment-store';
import { LocalBus } from '../unification/adapters/local-bus';
import { FileQuarantineSink } from '../unification/adapters/quarantine';
import { ConfigWriteKeys, type WriteKeys } from '../collection/adapters/write-keys';
import { documentClient, kinesisClient } from '../shared/clients';
import { unifySettings } from '../unification/settings';
import { createCollector, type CollectorEvent, type CollectorResult } from '../collection/handlers/collector';
import { createProfileApi } from '../unification/handlers/profile-api';
import { createUnifyConsumer } from '../unification/handlers/unify-consumer';
import type { QuarantineSink, ProfileStore } from '../unification/ports';
import { ingestOptionsOf } from '../collection/usecases/collect';
import { recheckProfiles, type RecheckOutcome } from '../unification/usecases/recheck-profiles';
import { applySegmentChanges } from '../unification/usecases/segment-changes';
import type { BatchOutcome } from '../unification/usecases/unify-batch';
import { unmergeProfile } from '../unification/usecases/unmerge';
import { ChangeFeedStore } from './change-feed';
import { LocalTransactionStore } from './local-transactions';
import { createLakeWriter } from './lake-writer';
import { httpApiEvent } from './http-api-event';
import { LocalPoller, type ConsumerHandler, type OnFailureEntry } from './poller';

export const LOCAL_REGION = 'us-east-1';

/** CreateTable's key schema and indexes for a table definition (the stack builds the same from it). */
function createTableInput(table: TableDefinition) {
  const keys = [table.partitionKey, table.sortKey, ...table.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const attributes = [...new Map(keys.map((k) => [k.name, k])).values()];
  const keySchema = (pk: { name: string }, sk: { name: string }) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    { AttributeName: sk.name, KeyType: 'RANGE' as const },
  ];
  return {
    AttributeDefinitions: attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(table.partitionKey, table.sortKey),
    GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((i) => ({
      IndexName: i.indexName,
      KeySchema: keySchema(i.partitionKey, i.sortKey),
      Projection: { ProjectionType: i.projection },
    })),
  };
}

export interface RuntimeTotals {
  batches: number;
  records: number;
  payloads: number;
  applied: number;
  duplicates: number;
  quarantined: number;
  merges: number;
  /** Sequential store round trips, summed over batches, and the most in one batch. */
  storeRoundTrips: number;
  maxStoreRoundTrips: number;
}

export interface LocalRuntimeOptions {
  /** Port of the profile API; defaults to config.local.apiPort (0 picks a free one). */
  readonly apiPort?: number;
  /** State folder; defaults to config.local.dataDir. */
  readonly dataDir?: string;
  /** Shards of the local stream (an on-demand stream starts with 2 locally). */
  readonly shards?: number;
  /** Start the poller (consumer); tests of concurrency start their own. */
  readonly startConsumer?: boolean;
  /** Wraps the store and the quarantine sink (fault injection in tests). */
  readonly wrapStore?: (store: ProfileStore) => ProfileStore;
  readonly wrapQuarantine?: (sink: QuarantineSink) => QuarantineSink;
  /** Wraps the consumer handler (fault injection in tests). */
  readonly wrapHandler?: (handler: ConsumerHandler) => ConsumerHandler;
  /**
   * Write keys of the HTTP collector served under `/v1/*`; defaults to the
   * config's `collection.sources[*].localWriteKeys`.
   */
  readonly writeKeys?: WriteKeys;
}

export interface LocalRuntime {
  readonly config: C360Config;
  readonly dataDir: string;
  readonly lakeDir: string;
  readonly onFailureFile: string;
  readonly kinesisEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly streamName: string;
  readonly streamArn: string;
  readonly tableName: string;
  readonly apiUrl: string;
  readonly kinesis: KinesisClient;
  readonly doc: DynamoDBDocumentClient;
  readonly store: DynamoProfileStore;
  /** Segment membership (what `GET /segments/{name}/members` reads). */
  readonly membership: DynamoSegmentStore;
  /** The local event bus: segment entered/exited events, also appended to dataDir/bus/segment-events.jsonl. */
  readonly bus: LocalBus;
  readonly poller?: LocalPoller;
  /** The local Firehose: lands every record in lakeDir/raw (drain it before reading the lake). */
  readonly lakePoller?: LocalPoller;
  readonly totals: RuntimeTotals;
  /** Builds another consumer over the same store (several consumers at once). */
  consumer(observe?: (o: BatchOutcome) => void): ConsumerHandler;
  /** Runs the segment re-check now (it also runs every config.unification.recheckMinutes); `clock` lets tests move time. */
  recheck(clock?: () => number): Promise<RecheckOutcome>;
  stop(): Promise<void>;
}

/** Largest request body the local collector reads: Lambda's synchronous invocation payload limit (6 MB). */
const MAX_LOCAL_BODY_BYTES = 6 * 1024 * 1024;

/** The request body as bytes, or undefined once it passes `limit` (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolveBody(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

/** The API Gateway HTTP API (payload 2.0) event of a request to the local server. */
function toHttpApiEvent(req: IncomingMessage, url: URL, body: Buffer): APIGatewayProxyEventV2 & CollectorEvent {
  const headers = Object.fromEntries(
    Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]])),
  );
  return httpApiEvent({
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers,
    body,
    protocol: `HTTP/${req.httpVersion}`,
    // IPv4 clients of a dual-stack socket show as ::ffff:a.b.c.d.
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
  });
}

function writeResult(res: ServerResponse, out: CollectorResult): void {
  res.writeHead(out.statusCode, out.headers);
  res.end(out.body);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port));
  });
}

export async function startLocalRuntime(config: C360Config, opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const dataDir = resolve(opts.dataDir ?? config.local.dataDir);
  const lakeDir = join(dataDir, 'lake');
  const onFailureFile = join(dataDir, 'on-failure', 'unify-consumer.jsonl');
  await mkdir(join(dataDir, 'on-failure'), { recursive: true });

  const dynamoServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const kinesisServer = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
  const dynamodbEndpoint = `http://127.0.0.1:${await listen(dynamoServer, 0)}`;
  const kinesisEndpoint = `http://127.0.0.1:${await listen(kinesisServer, 0)}`;

  const tableName = `${config.appName}-profiles`;
  const streamName = `${config.appName}-events`;
  const clientOpts = { region: LOCAL_REGION };
  await new DynamoDBClient({ ...clientOpts, endpoint: dynamodbEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }).send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      ...createTableInput(PROFILE_TABLE),
    }),
  );
  const kinesis = kinesisClient({ ...clientOpts, endpoint: kinesisEndpoint });
  const shards = opts.shards ?? (config.collection.stream.mode === 'on-demand' ? 2 : config.collection.stream.shards);
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const streamArn = summary.StreamDescriptionSummary?.StreamARN as string;

  const doc = documentClient({ ...clientOpts, endpoint: dynamodbEndpoint });
  const store = new DynamoProfileStore(doc, tableName);
  // What the table's stream and the segment-changes function do deployed: membership, then the bus.
  const membership = new DynamoSegmentStore(doc, tableName);
  const bus = new LocalBus(join(dataDir, 'bus', 'segment-events.jsonl'));
  // dynalite has no TransactWriteItems: the process's writes take turns instead (see local-transactions.ts).
  const feed = new ChangeFeedStore(
    new LocalTransactionStore(store),
    (pairs) => applySegmentChanges(pairs, { membership, publisher: bus }),
    // Unmetered: deployed, the stream carries the old images and the consumer reads nothing for them.
    new DynamoProfileStore(doc, tableName),
  );
  const wrappedStore = opts.wrapStore?.(feed) ?? feed;
  const fileSink = new FileQuarantineSink(lakeDir);
  const quarantine = opts.wrapQuarantine?.(fileSink) ?? fileSink;
  const totals: RuntimeTotals = {
    batches: 0,
    records: 0,
    payloads: 0,
    applied: 0,
    duplicates: 0,
    quarantined: 0,
    merges: 0,
    storeRoundTrips: 0,
    maxStoreRoundTrips: 0,
  };
  const settings = unifySettings(config);
  const consumer = (observe?: (o: BatchOutcome) => void): ConsumerHandler =>
    createUnifyConsumer({
      store: wrappedStore,
      quarantine,
      settings,
      observe: (o) => {
        totals.batches++;
        totals.records += o.records;
        totals.payloads += o.payloads;
        totals.applied += o.applied;
        totals.duplicates += o.duplicates;
        totals.quarantined += o.quarantined;
        totals.merges += o.merges;
        totals.storeRoundTrips += o.storeRoundTrips;
        totals.maxStoreRoundTrips = Math.max(totals.maxStoreRoundTrips, o.storeRoundTrips);
        observe?.(o);
      },
    });

  const c = config.unification.consumer;
  const poller =
    opts.startConsumer === false
      ? undefined
      : new LocalPoller({
          kinesis,
          streamName,
          streamArn,
          handler: opts.wrapHandler?.(consumer()) ?? consumer(),
          onFailure: async (entry: OnFailureEntry) => appendFile(onFailureFile, JSON.stringify(entry) + '\n'),
          batchSize: c.batchSize,
          maxRetryAttempts: c.maxRetryAttempts,
          maxRecordAgeSeconds: c.maxRecordAgeSeconds,
          bisectBatchOnError: true,
          pollIntervalMs: config.local.pollIntervalMs,
          region: LOCAL_REGION,
          onError: (err) => console.error(`c360: reading the local stream failed, retrying: ${err.message}`),
        });
  await poller?.start();

  const lakePoller =
    opts.startConsumer === false
      ? undefined
      : new LocalPoller({
          kinesis,
          streamName,
          streamArn,
          handler: createLakeWriter({ lakeDir, sources: Object.keys(config.collection.sources) }),
          onFailure: async (entry: OnFailureEntry) =>
            appendFile(join(dataDir, 'on-failure', 'lake-writer.jsonl'), JSON.stringify(entry) + '\n'),
          batchSize: 1000,
          maxRetryAttempts: c.maxRetryAttempts,
          maxRecordAgeSeconds: config.collection.stream.retentionHours * 3600,
          bisectBatchOnError: true,
          pollIntervalMs: config.local.pollIntervalMs,
          region: LOCAL_REGION,
          onError: (err) => console.error(`c360: the local lake writer could not read the stream, retrying: ${err.message}`),
        });
  await lakePoller?.start();

  const api = createProfileApi({
    store: wrappedStore,
    identifierTypes: config.unification.identity.identifiers,
    defaultPhoneRegion: config.normalization.defaultPhoneRegion,
    segments: config.unification.segments,
    membership,
    unmerge: (request) => unmergeProfile(request, { store: wrappedStore, settings }),
  });
  // The Segment-compatible HTTP collector on the same server: a Segment SDK's host is apiUrl.
  const collector = createCollector({
    writeKeys: opts.writeKeys ?? new ConfigWriteKeys(config.collection.sources),
    kinesis,
    streamName,
    ingest: ingestOptionsOf(config),
    corsAllowedOrigins: config.collection.corsAllowedOrigins,
  });
  const serveCollector = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const body = await readBody(req, MAX_LOCAL_BODY_BYTES);
    if (body === undefined) {
      // What API Gateway answers for a payload over Lambda's limit.
      writeResult(res, { statusCode: 413, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Request Entity Too Large' }) });
      return;
    }
    writeResult(res, await collector(toHttpApiEvent(req, url, body)));
  };

  const apiServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/v1/')) {
      serveCollector(req, res, url).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal', message: err.message }));
      });
      return;
    }
    const query = Object.fromEntries(url.searchParams.entries());
    readBody(req, MAX_LOCAL_BODY_BYTES)
      .then((body) =>
        api({
          httpMethod: req.method ?? 'GET',
          path: url.pathname,
          queryStringParameters: Object.keys(query).length > 0 ? query : null,
          body: body === undefined || body.length === 0 ? null : body.toString('utf8'),
          isBase64Encoded: false,
        }),
      )
      .then((out) => {
        res.writeHead(out.statusCode, out.headers as Record<string, string>);
        res.end(out.body);
      })
      .catch((err: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal', message: err.message }));
      });
  });
  const recheck = (clock?: () => number) => recheckProfiles({ store: wrappedStore, settings, ...(clock === undefined ? {} : { clock }) });
  const recheckTimer =
    opts.startConsumer === false
      ? undefined
      : setInterval(() => {
          recheck().catch((err: Error) => console.error(`c360: the segment re-check failed: ${err.message}`));
        }, config.unification.recheckMinutes * 60_000);
  recheckTimer?.unref();
  const apiPort = await listen(apiServer, opts.apiPort ?? config.local.apiPort);
  const apiUrl = `http://127.0.0.1:${apiPort}`;

  const runtime: LocalRuntime = {
    config,
    dataDir,
    lakeDir,
    onFailureFile,
    kinesisEndpoint,
    dynamodbEndpoint,
    streamName,
    streamArn,
    tableName,
    apiUrl,
    kinesis,
    doc,
    store,
    membership,
    bus,
    ...(poller === undefined ? {} : { poller }),
    ...(lakePoller === undefined ? {} : { lakePoller }),
    totals,
    consumer,
    recheck,
    async stop() {
      if (recheckTimer !== undefined) clearInterval(recheckTimer);
      await poller?.stop();
      await lakePoller?.stop();
      await new Promise<void>((r) => apiServer.close(() => r()));
      apiServer.closeAllConnections();
      kinesis.destroy();
      doc.destroy();
      await new Promise<void>((r) => kinesisServer.close(() => r()));
      await new Promise<void>((r) => dynamoServer.close(() => r()));
    },
  };
  await writeFile(
    join(dataDir, 'runtime.json'),
    JSON.stringify({ kinesisEndpoint, dynamodbEndpoint, streamName, tableName, apiUrl, region: LOCAL_REGION }, null, 2),
  );
  return runtime;
}
