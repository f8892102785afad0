/**
 * The embedded default: the whole slice on one machine with no AWS account.
 * DynamoDB (dynalite) and Kinesis (kinesalite) run in-process and speak the
 * real wire APIs; the handlers use the same SDK clients pointed at them. A
 * local poller plays the event source mapping; the profile API and the
 * dashboard are served on localhost; the lake (quarantine, on-failure
 * records) and the curated zone are folders: the profile export writes the
 * curated zone on a schedule, and the dashboard reads both through the local
 * warehouse (DuckDB), opened on its first request.
 *
 * Governance runs here too: the audit log under `audit/`, the hash key under
 * `keys/`, the suppression list and erasure receipts under `privacy/`. Every
 * ingest path (the collector, the consumer, `c360 import`) drops an erased
 * person's events; `erase` (and `POST /privacy/erasures`) runs the erasure's
 * steps in-process over the same stores.
 */
import { classification, directTraitNames } from '../governance/contracts/classification';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
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
import { FileCheckpoints } from './checkpoints';
import { prepareDataDir } from './data-dir';
import { serveHttp } from './http';
import type { ConsumerHandler, LocalPoller } from './poller';
import { profileApiRoute } from './profile-api';
import { startLocalProfileExport, type ExportSummary } from './profile-export';
import { recheckJob, scheduleRecheck } from './recheck';
import { writeRuntimeInfo } from './runtime-info';
import { LOCAL_REGION, localShardCount, startServices } from './servers';
import { localStores } from './stores';
import type { Identifier } from '../shared/events';
import type { ErasureReceipt, ErasureTarget } from '../governance/contracts/erasure';
import type { IngestSuppression, StoreEraser } from '../governance/ports';
import { FileAuditLog } from '../governance/adapters/file-audit-log';
import { FileErasureRecords, localPrivacyDir } from '../governance/adapters/file-erasure-records';
import { FileSuppressionList, localSuppressionFile } from '../governance/adapters/file-suppression-list';
import { localErasers } from '../governance/adapters/local-erasers';
import { localSubjectHasher } from '../governance/adapters/local-hash-key';
import { CachedSuppressionCheck } from '../governance/adapters/suppression-check';
import { createPrivacyApi } from '../governance/handlers/privacy-api';
import { PERSONAL_TRAITS, removeSuppression, runErasure, type ErasureDeps } from '../governance/usecases/erasure';
import { MAX_LOCAL_BODY_BYTES, readBody, type Route } from './http';
import { localActivation, localActivationPaths, type LocalActivation } from './activation';
import { startActivationPoller } from './consumers';

export interface LocalRuntimeOptions {
  /** Port of the profile API; defaults to config.local.apiPort (0 picks a free one). */
  readonly apiPort?: number;
  /** State folder; defaults to config.local.dataDir. */
  readonly dataDir?: string;
  /** Shards of the local stream (an on-demand stream starts with 2 locally). */
  readonly shards?: number;
  /**
   * Keep the tables, the stream and the pollers' positions under the data folder, so a restart
   * resumes where the last run stopped (`npm start` does). By default both servers run in memory and
   * read the stream from its start: LevelDB files keep a deleted value until they compact, so an
   * erasure cannot yet remove a person from the persisted files (README, "Right to erasure").
   */
  readonly persist?: boolean;
  /** Start the poller (consumer); tests of concurrency start their own. */
  readonly startConsumer?: boolean;
  /** Wraps the store and the quarantine sink (fault injection in tests). */
  readonly wrapStore?: (store: ProfileStore) => ProfileStore;
  readonly wrapQuarantine?: (sink: QuarantineSink) => QuarantineSink;
  /** Wraps the consumer handler (fault injection in tests). */
  readonly wrapHandler?: (handler: ConsumerHandler) => ConsumerHandler;
  /** Wraps the interactions consumer (fault injection in tests). */
  readonly wrapActivation?: (handler: ConsumerHandler) => ConsumerHandler;
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
  /** Present once the demo dataset has been sent to this data folder. */
  readonly demoMarker: string;
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
  /** The audit log (`<dataDir>/audit/`). */
  readonly auditDir: string;
  /** The suppression list, the receipts and running erasures' work files (`<dataDir>/privacy/`). */
  readonly privacyDir: string;
  /** What every local ingest path checks (the CLI's `c360 import` builds the same from the data folder). */
  readonly suppression: IngestSuppression;
  /** The activation pillar: campaigns, the outbox, recommendations, scores, audience exports (activation.ts). */
  readonly activation: LocalActivation;
  /** Pollers of the activation consumers (interactions, event-triggered campaigns): drain them before reading what they write. */
  readonly activationPollers: readonly LocalPoller[];
  /** The erasers of the local runtime, one per store of ERASURE_STORES. */
  readonly erasers: readonly StoreEraser[];
  /** Erases a person from every local store, suppresses their identifiers and returns the receipt (what `POST /privacy/erasures` runs). */
  erase(target: ErasureTarget, opts?: { readonly reason?: string; readonly requestedBy?: string }): Promise<ErasureReceipt>;
  /** A receipt by request id. */
  receipt(requestId: string): Promise<ErasureReceipt | undefined>;
  /** Takes an identifier off the suppression list (audited), as `DELETE /privacy/suppressions` does. */
  removeSuppression(identifier: Identifier, opts?: { readonly reason?: string; readonly requestedBy?: string }): Promise<{ requestId: string; removed: number }>;
  stop(): Promise<void>;
}

/** Who acts locally: the operating-system user running the runtime. */
export function localActor(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return 'local:unknown';
  }
}

/** The local privacy API route: each request goes to the privacy API handler as the API Gateway (REST) event the deployed function gets. */
function privacyRoute(api: ReturnType<typeof createPrivacyApi>): Route {
  return async (req, res, url) => {
    const body = await readBody(req, MAX_LOCAL_BODY_BYTES);
    const out = await api({
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      body: body === undefined || body.length === 0 ? null : body.toString('utf8'),
      isBase64Encoded: false,
    });
    res.writeHead(out.statusCode, out.headers as Record<string, string>);
    res.end(out.body);
  };
}

export async function startLocalRuntime(config: C360Config, opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const paths = await prepareDataDir(opts.dataDir ?? config.local.dataDir);
  const persist = opts.persist === true;
  const services = await startServices(config, opts.shards ?? localShardCount(config), persist ? paths : undefined);
  const checkpoints = (name: string) => (persist ? new FileCheckpoints(join(paths.checkpointsDir, `${name}.json`)) : undefined);
  const hasher = await localSubjectHasher(paths.dataDir);
  const auditDir = join(paths.dataDir, 'audit');
  const audit = new FileAuditLog(auditDir);
  const stores = localStores(services.doc, services.tableName, paths, opts, { log: audit, hasher }, { journalRetentionDays: config.unification.identity.journalRetentionDays });
  const settings = unifySettings(config);
  const totals = emptyTotals();

  const suppressionList = new FileSuppressionList(localSuppressionFile(paths.dataDir));
  const suppressionCheck = new CachedSuppressionCheck(suppressionList, hasher);
  const suppression: IngestSuppression = {
    check: suppressionCheck,
    identifiers: { identifierTypes: config.unification.identity.identifiers, defaultPhoneRegion: config.normalization.defaultPhoneRegion },
  };
  const privacyDir = localPrivacyDir(paths.dataDir);
  const records = new FileErasureRecords(privacyDir);
  const activationPaths = localActivationPaths(paths.dataDir);
  const erasers = localErasers(
    {
      dataDir: paths.dataDir,
      lakeDir: paths.lakeDir,
      onFailureDir: dirname(paths.unifyOnFailureFile),
      curatedDir: paths.curatedDir,
      busDir: dirname(paths.busFile),
      outboxDir: activationPaths.outboxDir,
      exportsDir: activationPaths.exportsDir,
    },
    {
      doc: services.doc,
      tableName: services.tableName,
      segments: Object.keys(config.unification.segments),
      others: stores.profiles,
      activationTableName: services.activationTableName,
      pushTokenIdentifier: config.activation.messaging.push.tokenIdentifier,
      defaultPhoneRegion: config.normalization.defaultPhoneRegion,
    },
  );
  const erasureDeps: ErasureDeps = {
    profiles: stores.profiles,
    hasher,
    personalTraits: [...new Set([...PERSONAL_TRAITS, ...directTraitNames(classification(config))])],
    suppression: suppressionList,
    records,
    audit,
    residuals: {
      streamRetentionHours: config.collection.stream.retentionHours,
      curatedRetentionDays: config.analytics.export.retentionDays,
      pointInTimeRecovery: false,
      firehose: false,
    },
    // In this process the ingest paths see an erasure at once; `c360 import` reads the list when it starts.
    onSuppressionChanged: () => suppressionCheck.clear(),
  };
  const erase: LocalRuntime['erase'] = (target, how = {}) =>
    runErasure(
      {
        requestId: randomUUID(),
        target,
        requestedBy: how.requestedBy ?? localActor(),
        requestedAt: new Date().toISOString(),
        ...(how.reason === undefined ? {} : { reason: how.reason }),
      },
      erasers,
      erasureDeps,
    );
  const unsuppress: LocalRuntime['removeSuppression'] = (identifier, how = {}) =>
    removeSuppression(
      {
        requestId: randomUUID(),
        identifier,
        requestedBy: how.requestedBy ?? localActor(),
        requestedAt: new Date().toISOString(),
        ...(how.reason === undefined ? {} : { reason: how.reason }),
      },
      erasureDeps,
    );
  const privacyApi = createPrivacyApi({
    // Locally the erasure runs before the answer: the receipt is already complete.
    starter: { start: async (request) => void (await runErasure(request, erasers, erasureDeps)) },
    records,
    removeSuppression: (removal) => removeSuppression(removal, erasureDeps),
    identifierTypes: config.unification.identity.identifiers,
    defaultPhoneRegion: config.normalization.defaultPhoneRegion,
    defaultActor: localActor(),
  });

  const consumer = unifyConsumers({ store: stores.profiles, quarantine: stores.quarantine, settings, totals, suppression: suppressionCheck });
  const startConsumer = opts.startConsumer !== false;

  const poller = startConsumer ? await startUnifyPoller(config, services, opts.wrapHandler?.(consumer()) ?? consumer(), paths.unifyOnFailureFile, checkpoints('unify-consumer')) : undefined;
  const lakePoller = startConsumer ? await startLakePoller(config, services, paths, suppression, checkpoints('lake-writer')) : undefined;
  const recheck = recheckJob(stores.profiles, settings);
  const stopRecheck = startConsumer ? scheduleRecheck(recheck, config.unification.recheckMinutes) : undefined;
  const profileExport = startLocalProfileExport(
    config,
    { doc: services.doc, tableName: services.tableName, curatedDir: paths.curatedDir, audit: { log: audit } },
    { schedule: startConsumer },
  );
  // DuckDB is loaded and the views created on the dashboard's first data request, not at start.
  const warehouse = lazyWarehouse(async () => {
    const { openLocalWarehouse } = await import('../analytics/adapters/duckdb-warehouse');
    return openLocalWarehouse({ lakeDir: paths.lakeDir, curatedDir: paths.curatedDir, segmentEventsFile: paths.busFile });
  });
  let baseUrl = '';
  const activation = await localActivation(config, {
    services,
    dataDir: paths.dataDir,
    bus: stores.bus,
    membership: stores.membership,
    suppression: suppressionCheck,
    warehouse: warehouse.get,
    baseUrl: () => baseUrl,
  });
  const activationPollers = startConsumer
    ? [
        await startActivationPoller(config, services, opts.wrapActivation?.(activation.consumers.interactions) ?? activation.consumers.interactions, join(dirname(paths.unifyOnFailureFile), 'interactions.jsonl'), 'the interactions consumer', checkpoints('interactions')),
        await startActivationPoller(config, services, activation.consumers.campaigns, join(dirname(paths.unifyOnFailureFile), 'campaign-events.jsonl'), 'the campaign trigger consumer', checkpoints('campaign-events')),
      ]
    : [];
  if (startConsumer) activation.startSchedules((err) => console.error(`c360: an activation job failed: ${err.message}`));
  // The Segment-compatible HTTP collector on the same server: a Segment SDK's host is apiUrl.
  const http = await serveHttp(
    {
      collector: collectorRoute(config, { ...services, writeKeys: opts.writeKeys ?? new ConfigWriteKeys(config.collection.sources), suppression }),
      profiles: profileApiRoute(config, {
        store: stores.profiles,
        membership: stores.membership,
        settings,
        stream: { kinesis: services.kinesis, streamName: services.streamName },
        audit,
        hasher,
      }),
      privacy: privacyRoute(privacyApi),
      activation: activation.route,
      dashboard: dashboardRoute({ warehouse: warehouse.get, dataVersion: () => filesVersion([paths.lakeDir, paths.curatedDir, paths.busFile]) }),
    },
    opts.apiPort ?? config.local.apiPort,
  );

  baseUrl = http.url;
  const { kinesisEndpoint, dynamodbEndpoint, streamName, tableName } = services;
  await writeRuntimeInfo(paths.dataDir, { kinesisEndpoint, dynamodbEndpoint, streamName, tableName, apiUrl: http.url, region: LOCAL_REGION });
  return {
    config,
    dataDir: paths.dataDir,
    lakeDir: paths.lakeDir,
    onFailureFile: paths.unifyOnFailureFile,
    demoMarker: paths.demoMarker,
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
    auditDir,
    privacyDir,
    suppression,
    activation,
    activationPollers,
    erasers,
    erase,
    receipt: (requestId) => records.getReceipt(requestId),
    removeSuppression: unsuppress,
    async stop() {
      stopRecheck?.();
      profileExport.stop();
      activation.stop();
      for (const p of activationPollers) await p.stop();
      await poller?.stop();
      await lakePoller?.stop();
      await http.stop();
      await warehouse.close();
      await services.close();
    },
  };
}
