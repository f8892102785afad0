/**
 * Recommendation figures: how well the built-in co-occurrence recommender
 * ranks what profiles went on to interact with, beside a most-popular
 * baseline trained on the same data (HitRate@10 and NDCG@10 on a time-split
 * hold-out, core/recommend/evaluate.ts), and what one recommendation costs
 * beside the popular-items answer, measured in the same run.
 *
 * The main workload is synthetic but structured, and the same for the same
 * seed: items in clusters (a profile keeps to one or two clusters, and
 * popularity is skewed inside each), views, cart adds and purchases over
 * 120 days, the last 20 held out. The demo dataset (lambda/local/demo.ts)
 * is scored too, its interactions under each event's userId or anonymous id
 * (not unified here, so a person seen on two channels counts twice), its
 * latest fifth held out.
 */
import { parseConfig } from '../lambda/config';
import { parseEvent } from '../lambda/shared/events';
import { seededRandom } from '../lambda/shared/random';
import { anonymousIdOf, mapEvent, toInteractions } from '../lambda/activation/core/interactions';
import { buildModel, popularItems, recommendForProfile } from '../lambda/activation/core/recommend/co-occurrence';
import { evaluateHoldout, type EvaluationResult } from '../lambda/activation/core/recommend/evaluate';
import type { Interaction } from '../lambda/activation/contracts/recommendations';
import { recordInteractionSettings } from '../lambda/activation/usecases/record-interactions';
import { generateDemo } from '../lambda/local/demo';
import type { Figure } from './figures';

const DAY = 24 * 3600 * 1000;
const START = Date.UTC(2026, 0, 1);

export interface RecommendationsBenchOptions {
  readonly profiles?: number;
  readonly clusters?: number;
  readonly itemsPerCluster?: number;
  readonly seed?: number;
  /** People of the demo dataset scored too (0: not scored). */
  readonly demoPeople?: number;
  /** recommend() calls timed. */
  readonly calls?: number;
}

/** The synthetic interactions: deterministic for a seed. */
export function syntheticInteractions(options: Required<Pick<RecommendationsBenchOptions, 'profiles' | 'clusters' | 'itemsPerCluster' | 'seed'>>): Interaction[] {
  const random = seededRandom(options.seed);
  const pick = (n: number) => Math.floor(random() * n);
  /** Skewed inside a cluster: item k is chosen about 1/(k+1) as often as item 0. */
  const zipf = (n: number) => {
    const total = Array.from({ length: n }, (_, k) => 1 / (k + 1)).reduce((a, b) => a + b, 0);
    let u = random() * total;
    for (let k = 0; k < n; k++) {
      u -= 1 / (k + 1);
      if (u <= 0) return k;
    }
    return n - 1;
  };
  const out: Interaction[] = [];
  for (let p = 0; p < options.profiles; p++) {
    const profileId = `bench-${p}`;
    const home = pick(options.clusters);
    const second = random() < 0.4 ? pick(options.clusters) : home;
    const sessions = 2 + pick(10);
    for (let s = 0; s < sessions; s++) {
      const at = START + Math.floor(random() * 120 * DAY);
      // Mostly the profile's own clusters; now and then anything (noise).
      const cluster = random() < 0.85 ? (random() < 0.7 ? home : second) : pick(options.clusters);
      const itemId = `c${cluster}-i${zipf(options.itemsPerCluster)}`;
      const roll = random();
      const eventType = roll < 0.6 ? 'View' : roll < 0.8 ? 'AddToCart' : 'Purchase';
      out.push({ profileId, itemId, eventType, at, messageId: `${profileId}-${s}#0`, sessionId: profileId });
    }
  }
  return out;
}

/** The demo dataset's interactions, each under its userId, else its anonymous id (the demo's profiles are not unified here). */
function demoInteractions(people: number): Interaction[] {
  const config = parseConfig({});
  const settings = recordInteractionSettings(config);
  const demo = generateDemo({ people, seed: 11, now: START + 120 * DAY });
  const out: Interaction[] = [];
  for (const raw of demo.events) {
    const parsed = parseEvent(JSON.stringify(raw), START + 120 * DAY, { ...settings.parse, now: START + 121 * DAY });
    if (!parsed.ok) continue;
    const mapped = mapEvent(parsed.event, settings.mapping);
    if (mapped === undefined) continue;
    const owner = parsed.event.identifiers.find((i) => i.type === 'userId')?.value ?? anonymousIdOf(parsed.event);
    if (owner !== undefined) out.push(...toInteractions(mapped, owner, anonymousIdOf(parsed.event)));
  }
  return out;
}

function qualityFigures(result: EvaluationResult, workload: string, label: string): Figure[] {
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : a / b);
  const wl = `${workload}; ${result.profiles} test profiles, ${result.targets} new items after ${result.cutoff.slice(0, 10)}`;
  return [
    { section: 'recommendations', name: `${label}HitRate@${result.k}, built-in co-occurrence`, value: result.builtIn.hitRate, unit: 'share', workload: wl },
    { section: 'recommendations', name: `${label}HitRate@${result.k}, most-popular baseline`, value: result.popularity.hitRate, unit: 'share', workload: wl },
    { section: 'recommendations', name: `${label}NDCG@${result.k}, built-in co-occurrence`, value: result.builtIn.ndcg, unit: 'score', workload: wl },
    { section: 'recommendations', name: `${label}NDCG@${result.k}, most-popular baseline`, value: result.popularity.ndcg, unit: 'score', workload: wl },
    { section: 'recommendations', name: `${label}HitRate@${result.k}: built-in / baseline`, value: ratio(result.builtIn.hitRate, result.popularity.hitRate), unit: 'ratio', workload: wl },
    { section: 'recommendations', name: `${label}NDCG@${result.k}: built-in / baseline`, value: ratio(result.builtIn.ndcg, result.popularity.ndcg), unit: 'ratio', workload: wl },
  ];
}

export async function recommendationsBench(options: RecommendationsBenchOptions = {}): Promise<Figure[]> {
  const shape = { profiles: options.profiles ?? 3000, clusters: options.clusters ?? 20, itemsPerCluster: options.itemsPerCluster ?? 30, seed: options.seed ?? 360 };
  const build = { lookbackDays: 365, maxPerProfile: 200, neighbours: 50 };
  const interactions = syntheticInteractions(shape);
  const cutoff = START + 100 * DAY;
  const workload = `synthetic, seed ${shape.seed}: ${shape.profiles} profiles, ${shape.clusters} item clusters × ${shape.itemsPerCluster} items, ${interactions.length} interactions over 120 days, the last 20 held out`;
  const figures = qualityFigures(evaluateHoldout(interactions, cutoff, build), workload, '');

  const demoPeople = options.demoPeople ?? 500;
  if (demoPeople > 0) {
    const demo = demoInteractions(demoPeople);
    const times = demo.map((i) => i.at).sort((a, b) => a - b);
    // The demo's own time split: its last fifth of interactions held out.
    const demoCutoff = times[Math.floor(times.length * 0.8)] ?? START;
    const products = new Set(demo.map((i) => i.itemId)).size;
    figures.push(...qualityFigures(evaluateHoldout(demo, demoCutoff, build), `demo dataset, ${demoPeople} people, ${demo.length} interactions with ${products} products, by userId or anonymous id`, 'demo: '));
  }

  // Latency: one recommendation from the model in memory, beside the popular-items answer (the cold-start path).
  const model = buildModel(interactions, { ...build, nowMs: START + 120 * DAY });
  const byProfile = new Map<string, Interaction[]>();
  for (const i of interactions) {
    const list = byProfile.get(i.profileId);
    if (list === undefined) byProfile.set(i.profileId, [i]);
    else list.push(i);
  }
  const histories = [...byProfile.values()].map((list) => list.sort((a, b) => b.at - a.at));
  const calls = options.calls ?? 5000;
  const nowMs = START + 120 * DAY;
  let sink = 0;
  const r0 = performance.now();
  for (let c = 0; c < calls; c++) sink += recommendForProfile(model, histories[c % histories.length] as Interaction[], { n: 10, nowMs }).items.length;
  const recommendUs = ((performance.now() - r0) * 1000) / calls;
  const p0 = performance.now();
  for (let c = 0; c < calls; c++) sink += popularItems(model, 10, new Set((histories[c % histories.length] as Interaction[]).map((i) => i.itemId))).length;
  const popularUs = ((performance.now() - p0) * 1000) / calls;
  const latencyWorkload = `${calls} calls, n = 10, over the synthetic model (${model.counts.items} items, ${model.counts.pairs} pairs, up to ${build.neighbours} neighbours each); ${sink} items answered`;
  figures.push(
    { section: 'recommendations', name: 'recommend() per call, built-in co-occurrence', value: recommendUs, unit: 'µs/call', workload: latencyWorkload },
    { section: 'recommendations', name: 'popular items per call (baseline)', value: popularUs, unit: 'µs/call', workload: latencyWorkload },
    { section: 'recommendations', name: 'recommend() / popular items, per call', value: recommendUs / popularUs, unit: 'ratio', workload: latencyWorkload },
  );
  return figures;
}
