/**
 * The activation pillar on this machine, with the handlers the Lambda
 * entries build and local stand-ins for the AWS services: the activation
 * table in dynalite, the outbox folder (`<dataDir>/outbox/`) in place of SES,
 * End User Messaging and push, the built-in recommender in place of
 * Personalize, models as files (`<dataDir>/models/`), audience exports in
 * `<dataDir>/exports/`, the item catalog from `<dataDir>/landing/items/`.
 *
 * Triggers as deployed: segment events from the local bus, track events from
 * the stream (a local poller), schedules on timers (schedule.ts); feedback
 * is simulated from the outbox (`POST /activation/outbox/{id}/{deliver|open|click|bounce}`).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { C360Config } from '../config';
import type { Warehouse } from '../analytics/ports';
import { DynamoContactSuppressions } from '../activation/adapters/dynamodb-contact-suppressions';
import { DynamoCustomerViewReader } from '../activation/adapters/dynamodb-customer-view';
import { DynamoInteractionStore } from '../activation/adapters/dynamodb-interactions';
import { DynamoItemCatalog } from '../activation/adapters/dynamodb-item-catalog';
import { DynamoDeferredSends, DynamoMessageLedger } from '../activation/adapters/dynamodb-message-ledger';
import { DynamoAudienceExportRuns } from '../activation/adapters/dynamodb-audience-runs';
import { FileAudienceSink } from '../activation/adapters/file-audience-sink';
import { FileDocumentStore } from '../activation/adapters/file-documents';
import { FileOutbox, type OutboxEntry } from '../activation/adapters/file-outbox';
import { kinesisActivationEvents } from '../activation/adapters/kinesis-activation-events';
import { localUnsubscribeKey } from '../activation/adapters/local-unsubscribe-key';
import { readPropensityViews, WarehouseTrainingSource } from '../activation/adapters/warehouse-training-source';
import { simulatedFeedback } from '../activation/core/feedback';
import { audienceExportHandler } from '../activation/handlers/audience-export';
import { createEventCampaignHandler } from '../activation/handlers/campaign-events';
import { createCampaignScheduleHandler } from '../activation/handlers/campaign-schedule';
import { createSegmentCampaignHandler } from '../activation/handlers/campaign-segments';
import { createInteractionsConsumer } from '../activation/handlers/interactions';
import { importLocalItemFile } from '../activation/handlers/item-import';
import { createPropensityJob } from '../activation/handlers/propensity-job';
import { createRecommendationsApi } from '../activation/handlers/recommendations-api';
import { createUnsubscribeHandler } from '../activation/handlers/unsubscribe';
import type { Channel } from '../config/activation';
import { ITEMS_LANDING_PREFIX } from '../collection/contracts/landing';
import type { SuppressionCheck } from '../governance/ports';
import { identityRules } from '../unification/core/identity/identity-rules';
import type { LocalBus } from '../unification/adapters/local-bus';
import type { SegmentMembershipStore } from '../unification/ports';
import { type CampaignDeps, unsubscribeLinks } from '../activation/usecases/campaigns';
import { itemImportSettings } from '../activation/usecases/import-items';
import { rebuildRecommender, rebuildSettings } from '../activation/usecases/rebuild-recommender';
import { cachedModel, recommendForProfile, recommendSettings } from '../activation/usecases/recommend';
import { recordInteractionSettings } from '../activation/usecases/record-interactions';
import { unsubscribeSettingsOf } from '../activation/usecases/unsubscribe';
import { MAX_LOCAL_BODY_BYTES, readBody, type Route } from './http';
import { everyScheduled } from './schedule';
import type { LocalServices } from './servers';

/** The local jobs `c360 activation run <job>` starts. */
export const LOCAL_ACTIVATION_JOBS = ['propensity', 'recommender', 'exports', 'items', 'campaigns'] as const;
export type LocalActivationJob = (typeof LOCAL_ACTIVATION_JOBS)[number];

export interface LocalActivationPaths {
  readonly outboxDir: string;
  readonly exportsDir: string;
  /** Holds `models/` (propensity, the recommender) and `landing/items/` (the catalog). */
  readonly dataDir: string;
  readonly itemsDir: string;
}

export function localActivationPaths(dataDir: string): LocalActivationPaths {
  return { dataDir, outboxDir: join(dataDir, 'outbox'), exportsDir: join(dataDir, 'exports'), itemsDir: join(dataDir, ITEMS_LANDING_PREFIX) };
}

export interface LocalActivationDeps {
  readonly services: Pick<LocalServices, 'doc' | 'kinesis' | 'streamName' | 'tableName' | 'activationTableName'>;
  readonly dataDir: string;
  readonly bus: LocalBus;
  readonly membership: SegmentMembershipStore;
  /** The erasure's suppression list: erased people get nothing. */
  readonly suppression: SuppressionCheck;
  /** The local warehouse (DuckDB) the propensity job reads. */
  readonly warehouse: () => Promise<Warehouse>;
  /** The runtime's base URL, once it listens (unsubscribe links point at it). */
  readonly baseUrl: () => string;
  readonly clock?: () => number;
}

export interface LocalActivation {
  readonly paths: LocalActivationPaths;
  readonly outbox: FileOutbox;
  /** `/profiles/{id}/recommendations`, `/items/{id}/similar`, `/unsubscribe`, `/activation/*`. */
  readonly route: Route;
  /** The stream consumers the runtime polls: interactions, and event-triggered campaigns. */
  readonly consumers: {
    readonly interactions: ReturnType<typeof createInteractionsConsumer>;
    readonly campaigns: ReturnType<typeof createEventCampaignHandler>;
  };
  /** Segment-triggered campaigns done so far (the bus delivers asynchronously): await before reading the outbox. */
  settled(): Promise<void>;
  run(job: LocalActivationJob): Promise<unknown>;
  /** Starts the schedules (campaign broadcasts, the deferred sweep, the recommender, propensity, exports). */
  startSchedules(onError: (err: Error) => void): void;
  stop(): void;
}

const json = (res: Parameters<Route>[1], status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function localActivation(config: C360Config, deps: LocalActivationDeps): Promise<LocalActivation> {
  const clock = deps.clock ?? Date.now;
  const { doc, activationTableName: table, tableName } = deps.services;
  const paths = localActivationPaths(deps.dataDir);
  await mkdir(paths.itemsDir, { recursive: true });
  const views = new DynamoCustomerViewReader(doc, tableName, config);
  const events = kinesisActivationEvents(deps.services.kinesis, deps.services.streamName);
  const documents = new FileDocumentStore(deps.dataDir);
  const interactions = new DynamoInteractionStore(doc, table);
  const catalog = new DynamoItemCatalog(doc, table);
  const outbox = new FileOutbox(paths.outboxDir, { clock });
  const retention = { retentionDays: config.activation.messaging.retentionDays };
  const ledger = new DynamoMessageLedger(doc, table, retention);
  const contacts = new DynamoContactSuppressions(doc, table, config.normalization.defaultPhoneRegion);
  const key = () => localUnsubscribeKey(deps.dataDir);

  const recommendDeps = { views, interactions, catalog, model: cachedModel(documents, 5_000, clock), settings: recommendSettings(config), clock };
  const campaignDeps: CampaignDeps = {
    config,
    views,
    ledger,
    deferred: new DynamoDeferredSends(doc, table, retention),
    deliverers: { email: outbox.deliverer('email'), sms: outbox.deliverer('sms'), push: outbox.deliverer('push') } satisfies Record<Channel, unknown>,
    contacts,
    suppression: deps.suppression,
    recommend: async (profileId, n) => {
      const answer = await recommendForProfile(profileId, { n }, recommendDeps);
      return answer.found ? [...answer.answer.items] : [];
    },
    unsubscribeUrl: (record) => unsubscribeLinks(`${deps.baseUrl()}/unsubscribe`, key, config, clock)(record),
    observe: outbox,
    events,
    clock,
  };
  const parse = {
    identifierTypes: config.unification.identity.identifiers,
    blockedReason: identityRules(config.unification.identity).blockedReason,
    defaultPhoneRegion: config.normalization.defaultPhoneRegion,
    revenueProperties: config.unification.revenueProperties,
  };
  const segmentCampaigns = createSegmentCampaignHandler(campaignDeps);
  const schedule = createCampaignScheduleHandler({ ...campaignDeps, members: deps.membership });
  const exportAudiences = audienceExportHandler({ config, members: deps.membership, views, sink: new FileAudienceSink(paths.exportsDir), runs: new DynamoAudienceExportRuns(doc, table), clock });
  const propensity = async () =>
    createPropensityJob({
      settings: config.activation.propensity,
      source: new WarehouseTrainingSource(await deps.warehouse(), { orderEvent: config.activation.propensity.orderEvent, views: await readPropensityViews() }),
      documents,
      events,
      now: clock,
    })();
  const rebuild = () => rebuildRecommender({ interactions, documents, settings: rebuildSettings(config), clock });
  const importItems = async () => {
    const files = (await readdir(paths.itemsDir)).filter((f) => /\.(csv|jsonl|ndjson)(\.gz)?$/i.test(f)).sort();
    const reports = [];
    for (const f of files) reports.push(await importLocalItemFile(join(paths.itemsDir, f), { root: deps.dataDir, catalog, settings: itemImportSettings(config) }));
    return { files: files.length, reports };
  };

  // Segment-triggered campaigns and on-change audience exports, as the bus's rule targets deployed.
  let pending: Promise<unknown> = Promise.resolve();
  const onSegmentError = (err: unknown) => console.error(`c360: a segment-triggered campaign failed: ${(err as Error).message}`);
  const campaignSegments = new Set(
    Object.values(config.activation.campaigns).flatMap((c) => {
      const t = c.trigger as Record<string, string>;
      return [t.segmentEntered, t.segmentExited].filter((s): s is string => s !== undefined);
    }),
  );
  const exportSegments = new Set(Object.values(config.activation.audienceExports).filter((e) => e.onChangeMinutes > 0).map((e) => e.segment));
  const unsubscribeBus = deps.bus.subscribe((event) => {
    const work = Promise.all([
      campaignSegments.has(event.detail.segment) ? segmentCampaigns(event) : undefined,
      exportSegments.has(event.detail.segment) ? exportAudiences(event) : undefined,
    ]);
    pending = Promise.all([pending, work.catch(onSegmentError)]);
    return work.then(() => undefined);
  });

  const runCampaigns = async () => {
    const out = [];
    for (const [name, c] of Object.entries(config.activation.campaigns)) {
      if ('schedule' in c.trigger && c.enabled) out.push(await schedule({ campaign: name, scheduledAt: new Date(clock()).toISOString() }));
    }
    out.push(await schedule({ sweep: 'deferred' }));
    return out;
  };
  const runExports = async () => {
    const out = [];
    for (const name of Object.keys(config.activation.audienceExports)) out.push(await exportAudiences({ export: name }));
    return out;
  };
  const run = async (job: LocalActivationJob): Promise<unknown> => {
    switch (job) {
      case 'propensity':
        return propensity();
      case 'recommender':
        return rebuild();
      case 'exports':
        return runExports();
      case 'items':
        return importItems();
      case 'campaigns':
        return runCampaigns();
    }
  };

  const recommendationsApi = createRecommendationsApi(recommendDeps);
  const unsubscribe = createUnsubscribeHandler({ key, views, events, settings: unsubscribeSettingsOf(config), clock });
  const feedback = async (entry: OutboxEntry, kind: 'deliver' | 'open' | 'click' | 'bounce') => {
    const view = await views.get(entry.profileId, clock());
    if (view === undefined) return { ok: false as const, status: 404, reason: `profile ${entry.profileId} no longer exists` };
    const message = (await ledger.get(entry.profileId, entry.messageKey)) ?? entry.record;
    const out = simulatedFeedback(kind, message, view, clock());
    if (!out.ok) return { ok: false as const, status: 409, reason: out.reason };
    await events.put([out.event]);
    if (out.suppress !== undefined) await contacts.add(out.suppress.channel, out.suppress.address, out.suppress.reason, clock());
    return { ok: true as const, event: out.event };
  };

  const route: Route = async (req, res, url) => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams.entries());
    if (path === '/unsubscribe') {
      const body = await readBody(req, MAX_LOCAL_BODY_BYTES);
      const out = await unsubscribe({
        httpMethod: method,
        path,
        queryStringParameters: Object.keys(query).length > 0 ? query : null,
        body: body === undefined || body.length === 0 ? null : body.toString('utf8'),
        isBase64Encoded: false,
      });
      res.writeHead(out.statusCode ?? 200, out.headers as Record<string, string>);
      return void res.end(out.body);
    }
    if (path.startsWith('/profiles/') || path.startsWith('/items/')) {
      const out = await recommendationsApi({ httpMethod: method, path, queryStringParameters: Object.keys(query).length > 0 ? query : null });
      res.writeHead(out.statusCode ?? 200, out.headers as Record<string, string>);
      return void res.end(out.body);
    }
    if (path === '/activation/outbox' && method === 'GET') {
      const limit = query.limit === undefined ? 50 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return json(res, 400, { error: 'bad_request', message: 'limit is a whole number from 1 to 1000' });
      const messages = await outbox.list({ limit, ...(query.profileId === undefined ? {} : { profileId: query.profileId }) });
      return json(res, 200, { messages: messages.map(({ record: _record, ...m }) => m) });
    }
    const simulate = /^\/activation\/outbox\/([^/]+)\/(deliver|open|click|bounce)$/.exec(path);
    if (simulate !== null && method === 'POST') {
      const entry = await outbox.find(decodeURIComponent(simulate[1] as string));
      if (entry === undefined) return json(res, 404, { error: 'not_found', message: `no outbox message ${simulate[1]}` });
      const out = await feedback(entry, simulate[2] as 'deliver' | 'open' | 'click' | 'bounce');
      return out.ok ? json(res, 202, { accepted: true, event: out.event }) : json(res, out.status, { error: 'conflict', message: out.reason });
    }
    const job = /^\/activation\/jobs\/([a-z]+)$/.exec(path);
    if (job !== null && method === 'POST') {
      const name = job[1] as string;
      if (!(LOCAL_ACTIVATION_JOBS as readonly string[]).includes(name)) {
        return json(res, 404, { error: 'not_found', message: `no job ${name}; the jobs are ${LOCAL_ACTIVATION_JOBS.join(', ')}` });
      }
      return json(res, 200, { job: name, result: await run(name as LocalActivationJob) });
    }
    return json(res, 404, { error: 'not_found', message: `no activation route ${method} ${path}` });
  };

  const stops: Array<() => void> = [];
  return {
    paths,
    outbox,
    route,
    consumers: {
      interactions: createInteractionsConsumer({ views, interactions, settings: recordInteractionSettings(config, parse.blockedReason), clock }),
      campaigns: createEventCampaignHandler({ ...campaignDeps, parse }),
    },
    settled: async () => {
      let seen: Promise<unknown>;
      do {
        seen = pending;
        await seen;
      } while (seen !== pending);
    },
    run,
    startSchedules(onError) {
      const a = config.activation;
      for (const [name, c] of Object.entries(a.campaigns)) {
        if ('schedule' in c.trigger && c.enabled) stops.push(everyScheduled(c.trigger.schedule, (at) => schedule({ campaign: name, scheduledAt: at }), onError, clock));
      }
      stops.push(everyScheduled('rate(1 minute)', () => schedule({ sweep: 'deferred' }), onError, clock));
      stops.push(everyScheduled(`rate(${a.recommendations.builtIn.rebuildEveryMinutes} minutes)`, rebuild, onError, clock));
      if (a.propensity.enabled) stops.push(everyScheduled(a.propensity.schedule, propensity, onError, clock));
      for (const [name, e] of Object.entries(a.audienceExports)) stops.push(everyScheduled(e.schedule, () => exportAudiences({ export: name }), onError, clock));
    },
    stop() {
      unsubscribeBus();
      for (const s of stops) s();
    },
  };
}
