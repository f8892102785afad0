/**
 * Propensity scores on a synthetic, seeded customer population with RFM
 * dynamics: each customer has a purchase rate, a basket size, an
 * engagement level and a main channel; while active, they order, browse,
 * open and click weekly emails and now and then close a support ticket;
 * each day an active customer may lapse for good, more likely when little
 * engaged and for two months after a poor ticket (csat 1 or 2). A lapsed
 * customer stops ordering, mostly stops browsing and rarely opens an email.
 * So recency says much, and engagement and support tell a lapse sooner.
 *
 * Figures: for churn and repurchase, the hold-out ROC-AUC, PR-AUC,
 * top-decile lift and ECE of the logistic regression, the random forest
 * and the recency baseline, which model was deployed (and why), and the
 * time to train both models and to score, per 1,000 profiles.
 *
 * Then the same training on the local demo data (lambda/local/demo.ts):
 * its events joined into people by the identifiers they share (userId,
 * anonymousId, email, phone; a plain union of linked identifiers standing
 * in for identity resolution), the test ROC-AUC of each scorer and the
 * decision.
 *
 * Run directly: `npx tsx bench/propensity.ts [customers]` prints a table.
 */
import { fileURLToPath } from 'node:url';
import { generateDemo, type DemoEvent } from '../lambda/local/demo';
import type { ActivationEventWriter } from '../lambda/activation/ports';
import type { ProfileTimeline, TimelineEvent, TrainingReport } from '../lambda/activation/contracts/propensity';
import { trainingReportKey } from '../lambda/activation/contracts/propensity';
import { scoreProfiles } from '../lambda/activation/usecases/score-profiles';
import { trainPropensityModels } from '../lambda/activation/usecases/train-propensity';
import type { DocumentStore } from '../lambda/activation/ports';
import { SCORE_MODELS, type ActivationConfig } from '../lambda/config/activation';
import { seededRandom } from '../lambda/shared/random';
import { formatTable, type Figure } from './figures';

const DAY_MS = 86_400_000;
/** Day 0 of the synthetic calendar. */
const START = Date.parse('2025-01-01T00:00:00.000Z');
const DAYS = 540;
const CHANNELS = ['web', 'mobile', 'store'] as const;

/** The default config's propensity settings (horizons 60 and 30 days, minimum gain 0.01). */
const SETTINGS: ActivationConfig['propensity'] = {
  enabled: true,
  orderEvent: 'Order Completed',
  churnHorizonDays: 60,
  repurchaseHorizonDays: 30,
  schedule: 'rate(1 day)',
  minimumProfiles: 100,
  topFeatures: 3,
  minimumAucGain: 0.01,
};

/** The synthetic population: `customers` timelines over DAYS days, the same for the same seed. */
export function syntheticPopulation(customers: number, seed = 7): ProfileTimeline[] {
  const random = seededRandom(seed);
  const logNormal = (mu: number, sigma: number) => Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
  const out: ProfileTimeline[] = [];
  for (let i = 0; i < customers; i++) {
    const events: TimelineEvent[] = [];
    const signup = Math.floor(random() * (DAYS - 90));
    // Mean days between orders: 10 to ~200, most around 45.
    const orderRate = 1 / Math.min(200, Math.max(10, logNormal(Math.log(45), 0.6)));
    const basket = logNormal(Math.log(60), 0.5);
    const engagement = random();
    const channel = CHANNELS[Math.floor(random() * CHANNELS.length)] as string;
    const baseHazard = (1 / 400) * (0.5 + 2 * (1 - engagement));
    let active = true;
    let unhappyUntil = -1;
    const at = (d: number) => START + (d + random()) * DAY_MS;
    events.push({ at: at(signup), name: 'identify', channel });
    events.push({ at: at(signup), name: 'Order Completed', channel, revenue: Math.round(basket * 100) / 100 });
    for (let d = signup + 1; d < DAYS; d++) {
      if (active && random() < baseHazard * (d < unhappyUntil ? 3 : 1)) active = false;
      const ch = random() < 0.8 ? channel : (CHANNELS[Math.floor(random() * CHANNELS.length)] as string);
      if (active && random() < orderRate) events.push({ at: at(d), name: 'Order Completed', channel: ch, revenue: Math.round(basket * (0.5 + random()) * 100) / 100 });
      if (random() < (active ? 2 * orderRate + 0.03 * engagement : 0.004)) events.push({ at: at(d), name: 'Product Viewed', channel: ch });
      if (d % 7 === i % 7) {
        events.push({ at: at(d), name: 'Email Sent', channel: 'email' });
        if (random() < (active ? 0.1 + 0.6 * engagement : 0.05 * engagement)) {
          events.push({ at: at(d), name: 'Email Opened', channel: 'email' });
          if (random() < 0.3) events.push({ at: at(d), name: 'Email Link Clicked', channel: 'email' });
        }
      }
      if (active && random() < 0.004) {
        const csat = 1 + Math.floor(random() * 5);
        events.push({ at: at(d), name: 'Ticket Closed', channel: 'support', csat });
        if (csat <= 2) unhappyUntil = d + 60;
      }
    }
    events.sort((a, b) => a.at - b.at);
    out.push({ profileId: `s${String(i).padStart(6, '0')}`, address: { userId: `u${i}` }, events });
  }
  return out;
}

/** The demo's events as timelines: identifiers seen on one event belong to one person (union-find), as identity resolution would join them. */
export function demoTimelines(events: readonly DemoEvent[]): ProfileTimeline[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(x, root);
    return root;
  };
  const add = (x: string) => {
    if (!parent.has(x)) parent.set(x, x);
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const idsOf = (e: DemoEvent): string[] => {
    const context = (e.context ?? {}) as Record<string, unknown>;
    const traits = { ...((context.traits ?? {}) as Record<string, unknown>), ...((e.traits ?? {}) as Record<string, unknown>) };
    const ids: string[] = [];
    for (const [kind, v] of [
      ['u', e.userId],
      ['a', e.anonymousId],
      ['a', e.previousId],
      ['e', typeof traits.email === 'string' ? traits.email.toLowerCase() : undefined],
      ['p', traits.phone],
    ] as const) {
      const value = text(v);
      if (value !== undefined) ids.push(`${kind}:${value}`);
    }
    return ids;
  };
  for (const e of events) {
    const ids = idsOf(e);
    for (const id of ids) add(id);
    for (let i = 1; i < ids.length; i++) union(ids[0] as string, ids[i] as string);
  }
  const people = new Map<string, { userId?: string; anonymousId?: string; events: TimelineEvent[] }>();
  for (const e of events) {
    const ids = idsOf(e);
    if (ids.length === 0 || e.type === 'alias') continue;
    const root = find(ids[0] as string);
    const person = people.get(root) ?? { events: [] };
    people.set(root, person);
    const userId = text(e.userId);
    const anonymousId = text(e.anonymousId);
    if (userId !== undefined && (person.userId === undefined || userId < person.userId)) person.userId = userId;
    if (anonymousId !== undefined && (person.anonymousId === undefined || anonymousId < person.anonymousId)) person.anonymousId = anonymousId;
    const at = Date.parse(String(e.timestamp));
    if (Number.isNaN(at)) continue;
    const name = e.type === 'track' ? text(e.event) : e.type;
    if (name === undefined) continue;
    const properties = (e.properties ?? {}) as Record<string, unknown>;
    const channel = text(((e.context ?? {}) as Record<string, unknown>).channel);
    const revenue = Number(properties.revenue ?? properties.total);
    const csat = Number(properties.csat);
    person.events.push({
      at,
      name,
      ...(channel === undefined ? {} : { channel }),
      ...(Number.isFinite(revenue) && (properties.revenue ?? properties.total) !== undefined ? { revenue } : {}),
      ...(Number.isFinite(csat) && properties.csat !== undefined ? { csat } : {}),
    });
  }
  return [...people.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([root, p], i) => ({
      profileId: `demo-${i}-${root.length}`,
      address: { ...(p.userId === undefined ? {} : { userId: p.userId }), ...(p.anonymousId === undefined ? {} : { anonymousId: p.anonymousId }) },
      events: p.events.sort((a, b) => a.at - b.at),
    }));
}

class MemoryDocuments implements DocumentStore {
  private readonly docs = new Map<string, string>();
  async get<T>(key: string): Promise<T | undefined> {
    const text = this.docs.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
  async put(key: string, value: unknown): Promise<void> {
    this.docs.set(key, JSON.stringify(value));
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.docs.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** Counts what would go on the stream. */
class CountingWriter implements ActivationEventWriter {
  events = 0;
  async put(events: ReadonlyArray<Readonly<Record<string, unknown>>>): Promise<void> {
    this.events += events.length;
  }
}

export interface PropensityBenchOptions {
  /** Customers in the synthetic population. @default 3000 */
  readonly customers?: number;
  readonly seed?: number;
  /** People in the demo dataset (0: no demo figures). @default 1000 */
  readonly demoPeople?: number;
}

/** The propensity figures (see the module comment). */
export async function propensityBench(opts: PropensityBenchOptions = {}): Promise<Figure[]> {
  const customers = opts.customers ?? 3000;
  const timelines = syntheticPopulation(customers, opts.seed ?? 7);
  const eventCount = timelines.reduce((n, t) => n + t.events.length, 0);
  const workload = `${customers.toLocaleString('en-US')} synthetic customers (seeded RFM dynamics, ${DAYS} days, ${eventCount.toLocaleString('en-US')} events); horizons churn ${SETTINGS.churnHorizonDays} d, repurchase ${SETTINGS.repurchaseHorizonDays} d; test window = the last horizon; Node ${process.version}`;
  const documents = new MemoryDocuments();
  const now = START + DAYS * DAY_MS;
  const trainStarted = performance.now();
  const training = await trainPropensityModels(timelines, { settings: SETTINGS, documents, now: () => now });
  const trainMs = performance.now() - trainStarted;
  const writer = new CountingWriter();
  const scoreStarted = performance.now();
  const scoring = await scoreProfiles(timelines, { settings: SETTINGS, documents, events: writer, now: () => now });
  const scoreMs = performance.now() - scoreStarted;

  const figures: Figure[] = [];
  for (const model of SCORE_MODELS) {
    const summary = training.models.find((m) => m.model === model);
    const report = summary === undefined ? undefined : await documents.get<TrainingReport>(trainingReportKey(model, summary.version));
    const windowText =
      report?.windows === undefined
        ? workload
        : `${workload}; train ${report.windows.train.profiles} profiles (${report.windows.train.positives} positive) at ${report.windows.train.cutoff.slice(0, 10)}, test ${report.windows.test.profiles} (${report.windows.test.positives} positive) at ${report.windows.test.cutoff.slice(0, 10)}`;
    for (const [scorer, label] of [
      ['logistic', 'logistic regression'],
      ['forest', 'random forest'],
      ['baseline', 'recency baseline'],
    ] as const) {
      const m = report?.metrics?.[scorer];
      if (m === undefined) continue;
      figures.push({ section: 'propensity', name: `${model} ${label}: test ROC-AUC`, value: m.rocAuc, unit: 'AUC', workload: windowText });
      figures.push({ section: 'propensity', name: `${model} ${label}: test PR-AUC`, value: m.prAuc, unit: 'AP', workload: windowText });
      figures.push({ section: 'propensity', name: `${model} ${label}: top-decile lift`, value: m.topDecileLift, unit: 'x', workload: windowText });
      figures.push({ section: 'propensity', name: `${model} ${label}: ECE (10 bins)`, value: m.ece, unit: 'prob', workload: windowText });
    }
    figures.push({
      section: 'propensity',
      name: `${model}: deployed model (${summary?.algorithm ?? 'none'})`,
      value: summary?.deployed === true ? 1 : 0,
      unit: 'yes=1',
      workload: summary?.reason ?? 'not trained',
    });
  }
  const per1000 = 1000 / Math.max(1, timelines.length);
  figures.push({ section: 'propensity', name: 'training time, both models, per 1,000 profiles', value: trainMs * per1000, unit: 'ms', workload: `${workload}; features at both cutoffs, logistic regression and forest fitted, final refit` });
  figures.push({
    section: 'propensity',
    name: 'scoring time, both models, per 1,000 profiles',
    value: scoreMs * per1000,
    unit: 'ms',
    workload: `${workload}; features at now, ${writer.events.toLocaleString('en-US')} score events built (${scoring.models.map((m) => `${m.model} ${m.version ?? 'none'}`).join(', ')})`,
  });
  figures.push(...(await demoFigures(opts.demoPeople ?? 1000)));
  return figures;
}

/** Training on the local demo data: each scorer's test ROC-AUC and the decision. */
async function demoFigures(people: number): Promise<Figure[]> {
  if (people <= 0) return [];
  const now = Date.parse('2026-12-01T00:00:00.000Z');
  const timelines = demoTimelines(generateDemo({ people, seed: 360, now }).events);
  const documents = new MemoryDocuments();
  const training = await trainPropensityModels(timelines, { settings: SETTINGS, documents, now: () => now });
  const workload = `local demo data (generateDemo, ${people.toLocaleString('en-US')} people, seed 360), ${timelines.length.toLocaleString('en-US')} people after joining identifiers; default horizons`;
  const figures: Figure[] = [];
  for (const summary of training.models) {
    const report = await documents.get<TrainingReport>(trainingReportKey(summary.model, summary.version));
    const detail =
      report?.windows === undefined ? workload : `${workload}; train ${report.windows.train.profiles} (${report.windows.train.positives} positive), test ${report.windows.test.profiles} (${report.windows.test.positives} positive)`;
    for (const [scorer, label] of [
      ['logistic', 'logistic regression'],
      ['forest', 'random forest'],
      ['baseline', 'recency baseline'],
    ] as const) {
      const m = report?.metrics?.[scorer];
      if (m !== undefined) figures.push({ section: 'propensity', name: `demo ${summary.model} ${label}: test ROC-AUC`, value: m.rocAuc, unit: 'AUC', workload: detail });
    }
    figures.push({ section: 'propensity', name: `demo ${summary.model}: deployed model (${summary.algorithm ?? 'none'})`, value: summary.deployed ? 1 : 0, unit: 'yes=1', workload: summary.reason });
  }
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const customers = Number(process.argv[2] ?? 3000);
  propensityBench({ customers }).then(
    (figures) => process.stdout.write(`${formatTable(figures)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
