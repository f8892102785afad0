/**
 * Segments from config (lambda/config/unification/segments.ts: the rule
 * grammar and its validation) compiled once and evaluated against a profile's
 * traits, computed traits, enriched attributes, identifiers and propensity
 * scores, and the profile's membership (segment name → when it entered).
 *
 * Scores: `scores.<model>` is the model's latest probability (a number from
 * 0 to 1, so `{ attr: 'scores.churn', op: 'gte', value: 0.7 }`), and
 * `scores.<model>.scoredAt` the time it was scored (for within/olderThan: a
 * score that is too old to act on). A profile never scored is missing both.
 *
 * Missing attributes: an attribute that is absent, null or an empty list is
 * missing, and a missing attribute makes every comparison false except `ne`
 * and `notExists` (which are true), and both time rules false. So
 * `{ not: { attr, within: '30d' } }` holds for a profile that never had the
 * attribute, while `{ attr, olderThan: '30d' }` does not.
 *
 * Comparisons: on a list attribute (identifiers), `eq`, `in`, `gt`... hold
 * when any element matches, `ne` when none equals, `contains` when one
 * equals; on a string, `contains` is a substring test. A number compares
 * with a numeric string as a number (CSV imports give "42"); strings compare
 * case-sensitively, and in order by UTF-16 code units (right for ISO-8601
 * times written the same way). Values of other kinds never match.
 * Time rules read epoch-ms numbers or strings Date.parse accepts.
 *
 * Pure module: no I/O.
 */
import {
  parseDuration,
  type ATTRIBUTE_ROOTS,
  type CompareOp,
  type SegmentRule,
  type Segments,
  type SegmentScalar,
} from '../../../config/unification/segments';

/** What a segment rule reads. */
export interface SegmentSubject {
  readonly traits: Readonly<Record<string, unknown>>;
  readonly computed: Readonly<Record<string, unknown>>;
  readonly enriched: Readonly<Record<string, unknown>>;
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
  /** Model → its latest probability and scoring time (core/profile/scores.ts scoreValues); absent on a profile never scored. */
  readonly scores?: Readonly<Record<string, { readonly score: number; readonly scoredAt: string }>>;
}

type Getter = (s: SegmentSubject) => unknown;
type Test = (s: SegmentSubject, nowMs: number) => boolean;

interface TimeLeaf {
  readonly get: Getter;
  readonly ms: number;
}

interface CompiledSegment {
  readonly name: string;
  readonly test: Test;
  readonly timeLeaves: readonly TimeLeaf[];
}

export interface CompiledSegments {
  readonly segments: readonly CompiledSegment[];
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function compileGetter(attr: string): Getter {
  const [root, ...rest] = attr.split('.') as [(typeof ATTRIBUTE_ROOTS)[number], ...string[]];
  if (root === 'scores') {
    // Validated: scores.<model> or scores.<model>.scoredAt.
    const [model = '', field] = rest;
    const key = field === 'scoredAt' ? 'scoredAt' : 'score';
    return (s) => {
      const scores = s.scores;
      if (scores === undefined || !hasOwn(scores, model)) return undefined;
      return scores[model]?.[key];
    };
  }
  return (s) => {
    let v: unknown = s[root];
    for (const k of rest) {
      if (typeof v !== 'object' || v === null || !hasOwn(v, k)) return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  };
}

const isMissing = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

/** A number from a numeric string ("42", " 4.5 "), else NaN. */
function numeric(s: string): number {
  return s.trim() === '' ? Number.NaN : Number(s);
}

function equal(x: unknown, v: SegmentScalar): boolean {
  if (x === v) return true;
  if (typeof v === 'number' && typeof x === 'string') return numeric(x) === v;
  if (typeof v === 'string' && typeof x === 'number') return numeric(v) === x;
  return false;
}

/** Sign of x - v, or NaN when they do not compare. */
function order(x: unknown, v: number | string): number {
  if (typeof x === 'number' && typeof v === 'number') return x - v;
  if (typeof x === 'string' && typeof v === 'string') return x < v ? -1 : x > v ? 1 : 0;
  if (typeof x === 'string' && typeof v === 'number') return numeric(x) - v;
  if (typeof x === 'number' && typeof v === 'string') return x - numeric(v);
  return Number.NaN;
}

const anyElement = (x: unknown, f: (e: unknown) => boolean) => (Array.isArray(x) ? x.some(f) : f(x));

/** Epoch ms of a time attribute, or undefined. */
function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function compileComparison(get: Getter, op: CompareOp, value: SegmentScalar | readonly SegmentScalar[] | undefined): Test {
  const v = value as SegmentScalar;
  let test: (x: unknown) => boolean;
  switch (op) {
    case 'exists':
      return (s) => !isMissing(get(s));
    case 'notExists':
      return (s) => isMissing(get(s));
    case 'ne':
      return (s) => {
        const x = get(s);
        return isMissing(x) || !anyElement(x, (e) => equal(e, v));
      };
    case 'eq':
      test = (x) => anyElement(x, (e) => equal(e, v));
      break;
    case 'in': {
      const list = value as readonly SegmentScalar[];
      test = (x) => anyElement(x, (e) => list.some((w) => equal(e, w)));
      break;
    }
    case 'contains':
      test = (x) => (typeof x === 'string' ? typeof v === 'string' && x.includes(v) : Array.isArray(x) && x.some((e) => equal(e, v)));
      break;
    case 'gt':
      test = (x) => anyElement(x, (e) => order(e, v as number | string) > 0);
      break;
    case 'gte':
      test = (x) => anyElement(x, (e) => order(e, v as number | string) >= 0);
      break;
    case 'lt':
      test = (x) => anyElement(x, (e) => order(e, v as number | string) < 0);
      break;
    case 'lte':
      test = (x) => anyElement(x, (e) => order(e, v as number | string) <= 0);
      break;
  }
  return (s) => {
    const x = get(s);
    return !isMissing(x) && test(x);
  };
}

function compileRule(rule: SegmentRule, leaves: TimeLeaf[]): Test {
  if ('all' in rule) {
    const parts = rule.all.map((r) => compileRule(r, leaves));
    return (s, now) => parts.every((p) => p(s, now));
  }
  if ('any' in rule) {
    const parts = rule.any.map((r) => compileRule(r, leaves));
    return (s, now) => parts.some((p) => p(s, now));
  }
  if ('not' in rule) {
    const inner = compileRule(rule.not, leaves);
    return (s, now) => !inner(s, now);
  }
  const get = compileGetter(rule.attr);
  if ('op' in rule) return compileComparison(get, rule.op, rule.value);
  const within = 'within' in rule;
  const ms = parseDuration(within ? rule.within : rule.olderThan);
  if (ms === undefined) throw new Error(`invalid duration in a rule on ${rule.attr}`);
  leaves.push({ get, ms });
  // The rule flips at time + duration: within before it, olderThan from it on.
  return (s, now) => {
    const t = timeOf(get(s));
    if (t === undefined) return false;
    return within ? now < t + ms : now >= t + ms;
  };
}

/** Compiles validated segment definitions (segmentsSchema output) once. */
export function compileSegments(defs: Segments | undefined): CompiledSegments {
  return {
    segments: Object.entries(defs ?? {}).map(([name, def]) => {
      const timeLeaves: TimeLeaf[] = [];
      const test = compileRule(def.rule, timeLeaves);
      return { name, test, timeLeaves };
    }),
  };
}

/** Names of the segments the subject is in at `nowMs`, in definition order. */
export function evaluateSegments(compiled: CompiledSegments, subject: SegmentSubject, nowMs: number): string[] {
  const out: string[] = [];
  for (const seg of compiled.segments) if (seg.test(subject, nowMs)) out.push(seg.name);
  return out;
}

/**
 * The earliest time after `nowMs` at which a time rule (within/olderThan) of
 * any segment flips for this subject, or undefined. Conservative: it does not
 * check that the flip changes the segment's result. Values that change with
 * time by themselves (a daysSince computed trait) are the computed traits'
 * concern (aggregatesNextChangeAt).
 */
export function segmentsNextChangeAt(compiled: CompiledSegments, subject: SegmentSubject, nowMs: number): number | undefined {
  let next: number | undefined;
  for (const seg of compiled.segments) {
    for (const leaf of seg.timeLeaves) {
      const t = timeOf(leaf.get(subject));
      if (t === undefined) continue;
      const flip = t + leaf.ms;
      if (flip > nowMs && (next === undefined || flip < next)) next = flip;
    }
  }
  return next;
}

/**
 * The new membership: segments the subject stays in keep their original entry
 * time, new ones enter `at`. `entered` and `exited` are sorted names.
 */
export function updateMembership(
  before: Readonly<Record<string, string>> | undefined,
  inNow: Iterable<string>,
  at: string,
): { segments: Record<string, string>; entered: string[]; exited: string[] } {
  const names = [...new Set(inNow)].sort();
  const segments: Record<string, string> = {};
  const entered: string[] = [];
  for (const name of names) {
    const since = before !== undefined && hasOwn(before, name) ? before[name] : undefined;
    if (since === undefined) entered.push(name);
    segments[name] = since ?? at;
  }
  const exited = before === undefined ? [] : Object.keys(before).filter((name) => !hasOwn(segments, name)).sort();
  return { segments, entered, exited };
}
