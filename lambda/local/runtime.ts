/**
 * The embedded default: the whole slice on one machine with no AWS account.
 * DynamoDB (dynalite) and Kinesis (kinesalite) run in-process and speak the
 * real wire APIs; the handlers use the same SDK clients pointed at them. A
 * local poller plays the event source mapping; the profile API and the
 * dashboard are served on localhost; the lake (quarantine, on-failure
 * records) and the curated zone are folders: the profile export writes the
 * curated zone on a schedule, and the dashboard reads both through the local
 * warehouse (DuckDB), opened on its first request.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { C360Config } from '../config';
import { ConfigWriteKeys } from '../collection/adapters/write-keys';
import type { WriteKeys } from '../collection/ports';
import type { DynamoProfileStore } from '../unification/adapters/dynamodb-profile-store';
import type { DynamoSegmentStore } from '../unification/adapters/dynamodb-segment-store';
import type { LocalBus } from '../unification/adapters/local-bus';
import type { QuarantineSink, ProfileStore } from '../unification/ports';
import type { RecheckOutcome } from '../unification/usecases/recheck-profiles';
import type { BatchOutcome } from '../unification/usecases/unify-batch';
import { unifySettings } from '../unification/settings';
import { collectorRoute } from './collector';
import { emptyTotals, startLakePoller, startUnifyPoller, unifyConsumers, type RuntimeTotals } from './consumers';
import { dashboardRoute, filesVersion, lazyWarehouse } from './dashboard/route';
import { prepareDataDir } from './data-dir';
import { serveHttp } from './http';
import type { ConsumerHandler, LocalPoller } from './poller';
import { profileApiRoute } from './profile-api';
import { startLocalProfileExport, type ExportSummary } from './profile-export';
import { recheckJob, scheduleRecheck } from './recheck';
import { writeRuntimeInfo } from './runtime-info';
import { LOCAL_REGION, localShardCount, startServices } from './servers';
import { localStores } from './stores';

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
  /** The dashboard's overview page (the root of apiUrl). */
  readonly dashboardUrl: string;
  /** The local curated zone the profile export writes. */
  readonly curatedDir: string;
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
  /** Exports the profile tables to the curated zone now (it also runs every config.analytics.export.everyMinutes while the consumer runs). */
  exportProfiles(): Promise<ExportSummary>;
  stop(): Promise<void>;
}

export async function startLocalRuntime(config: C360Config, opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const paths = await prepareDataDir(opts.dataDir ?? config.local.dataDir);
  const services = await startServices(config, opts.shards ?? localShardCount(config));
  const stores = localStores(services.doc, services.tableName, paths, opts);
  const settings = unifySettings(config);
  const totals = emptyTotals();
  const consumer = unifyConsumers({ store: stores.profiles, quarantine: stores.quarantine, settings, totals });
  const startConsumer = opts.startConsumer !== false;

  const poller = startConsumer ? await startUnifyPoller(config, services, opts.wrapHandler?.(consumer()) ?? consumer(), paths.unifyOnFailureFile) : undefined;
  const lakePoller = startConsumer ? await startLakePoller(config, services, paths) : undefined;
  const recheck = recheckJob(stores.profiles, settings);
  const stopRecheck = startConsumer ? scheduleRecheck(recheck, config.unification.recheckMinutes) : undefined;
  const profileExport = startLocalProfileExport(
    config,
    { doc: services.doc, tableName: services.tableName, curatedDir: paths.curatedDir },
    { schedule: startConsumer },
  );
  // DuckDB is loaded and the views created on the dashboard's first data request, not at start.
  const warehouse = lazyWarehouse(async () => {
    const { openLocalWarehouse } = await import('../analytics/adapters/duckdb-warehouse');
    return openLocalWarehouse({ lakeDir: paths.lakeDir, curatedDir: paths.curatedDir, segmentEventsFile: paths.busFile });
  });
  // The Segment-compatible HTTP collector on the same server: a Segment SDK's host is apiUrl.
  const http = await serveHttp(
    {
      collector: collectorRoute(config, { ...services, writeKeys: opts.writeKeys ?? new ConfigWriteKeys(config.collection.sources) }),
      profiles: profileApiRoute(config, { store: stores.profiles, membership: stores.membership, settings }),
      dashboard: dashboardRoute({ warehouse: warehouse.get, dataVersion: () => filesVersion([paths.lakeDir, paths.curatedDir, paths.busFile]) }),
    },
    opts.apiPort ?? config.local.apiPort,
  );

  const { kinesisEndpoint, dynamodbEndpoint, streamName, tableName } = services;
  await writeRuntimeInfo(paths.dataDir, { kinesisEndpoint, dynamodbEndpoint, streamName, tableName, apiUrl: http.url, region: LOCAL_REGION });
  return {
    config,
    dataDir: paths.dataDir,
    lakeDir: paths.lakeDir,
    onFailureFile: paths.unifyOnFailureFile,
    kinesisEndpoint,
    dynamodbEndpoint,
    streamName,
    streamArn: services.streamArn,
    tableName,
    apiUrl: http.url,
    dashboardUrl: `${http.url}/`,
    curatedDir: paths.curatedDir,
    kinesis: services.kinesis,
    doc: services.doc,
    store: stores.store,
    membership: stores.membership,
    bus: stores.bus,
    ...(poller === undefined ? {} : { poller }),
    ...(lakePoller === undefined ? {} : { lakePoller }),
    totals,
    consumer,
    recheck,
    exportProfiles: () => profileExport.run(),
    async stop() {
      stopRecheck?.();
      profileExport.stop();
      await poller?.stop();
      await lakePoller?.stop();
      await http.stop();
      await warehouse.close();
      await services.close();
    },
  };
}
