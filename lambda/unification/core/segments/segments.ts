/**
 * Segments from config: named rules over a profile's traits, computed traits,
 * enriched attributes and identifiers, and the profile's membership (segment
 * name → when it entered).
 *
 * A rule is `{ all: [...] }`, `{ any: [...] }`, `{ not: rule }`, a comparison
 * `{ attr, op, value }`, or a time rule `{ attr, within: '30d' }` (the time is
 * less than that long ago) / `{ attr, olderThan: '90d' }` (at least that long
 * ago). Durations are whole days (`d`), hours (`h`) or minutes (`m`).
 *
 * `attr` is a dotted path into the subject: `traits.<name>[.<field>...]`,
 * `computed.<name>`, `enriched.<name>`, `identifiers.<type>` (a list).
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
import * as z from 'zod/mini';
import '../../../config/zod-locale';
import { namedRecord } from '../../../config/named-record';

export const COMPARE_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'notExists'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export const ATTRIBUTE_ROOTS = ['traits', 'computed', 'enriched', 'identifiers'] as const;
export type SegmentScalar = string | number | boolean;

export type SegmentRule =
  | { readonly all: readonly SegmentRule[] }
  | { readonly any: readonly SegmentRule[] }
  | { readonly not: SegmentRule }
  | { readonly attr: string; readonly op: CompareOp; readonly value?: SegmentScalar | readonly SegmentScalar[] }
  | { readonly attr: string; readonly within: string }
  | { readonly attr: string; readonly olderThan: string };

/** What a segment rule reads. */
export interface SegmentSubject {
  readonly traits: Readonly<Record<string, unknown>>;
  readonly computed: Readonly<Record<string, unknown>>;
  readonly enriched: Readonly<Record<string, unknown>>;
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
}

const SEGMENT_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const DURATION = /^([1-9][0-9]{0,5})([dhm])$/;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;
const MAX_DEPTH = 32;

/** Milliseconds of a duration such as `30d`, `12h` or `15m`; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  return m === null ? undefined : Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

// ---------------------------------------------------------------------------
// Validation (hand-written: a union of shapes would only say "Invalid input")
// ---------------------------------------------------------------------------

type Problem = { path: (string | number)[]; message: string };

const isScalar = (v: unknown): v is SegmentScalar =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
const RULE_SHAPES = '{ all: [...] }, { any: [...] }, { not: rule }, { attr, op, value }, { attr, within } or { attr, olderThan }';

function attrProblem(attr: unknown): string | undefined {
  if (typeof attr !== 'string' || attr === '') return 'attr is a path such as "traits.email" or "computed.lifetimeValue"';
  const parts = attr.split('.');
  const root = parts[0] as string;
  if (!(ATTRIBUTE_ROOTS as readonly string[]).includes(root)) {
    return `unknown attribute root "${root}" in "${attr}": attributes start with ${ATTRIBUTE_ROOTS.map((r) => `${r}.`).join(', ')}`;
  }
  if (parts.length < 2 || parts.some((p) => p === '')) return `"${attr}" names no attribute: write e.g. "${root}.${root === 'identifiers' ? 'email' : 'name'}"`;
  if (root === 'identifiers' && parts.length !== 2) return `"${attr}": identifiers.<type> is a list of values and has no fields`;
  return undefined;
}

function ruleProblems(rule: unknown, path: (string | number)[], depth: number, out: Problem[]): void {
  const fail = (message: string, at: (string | number)[] = path) => {
    out.push({ path: at, message });
  };
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return fail(`a rule is one of ${RULE_SHAPES}`);
  if (depth > MAX_DEPTH) return fail(`rules nest at most ${MAX_DEPTH} deep`);
  const r = rule as Record<string, unknown>;
  const keys = Object.keys(r);
  const kinds = keys.filter((k) => k === 'all' || k === 'any' || k === 'not' || k === 'attr');
  if (kinds.length !== 1) {
    return fail(kinds.length === 0 ? `a rule is one of ${RULE_SHAPES}` : `a rule has exactly one of all, any, not or attr; this one has ${kinds.join(', ')}`);
  }
  const kind = kinds[0] as string;
  if (kind === 'all' || kind === 'any') {
    for (const k of keys) if (k !== kind) fail(`unexpected "${k}" in an ${kind} rule`, [...path, k]);
    const list = r[kind];
    if (!Array.isArray(list) || list.length === 0) return fail(`${kind} takes a non-empty list of rules`, [...path, kind]);
    list.forEach((child, i) => ruleProblems(child, [...path, kind, i], depth + 1, out));
    return;
  }
  if (kind === 'not') {
    for (const k of keys) if (k !== 'not') fail(`unexpected "${k}" in a not rule`, [...path, k]);
    return ruleProblems(r.not, [...path, 'not'], depth + 1, out);
  }
  const attr = attrProblem(r.attr);
  if (attr !== undefined) fail(attr, [...path, 'attr']);
  const tests = keys.filter((k) => k === 'op' || k === 'within' || k === 'olderThan');
  if (tests.length !== 1) {
    return fail(
      tests.length === 0
        ? `a rule on "${String(r.attr)}" needs op (${COMPARE_OPS.join(', ')}), within or olderThan`
        : `a rule has exactly one of op, within or olderThan; this one has ${tests.join(', ')}`,
    );
  }
  const test = tests[0] as string;
  const allowed = test === 'op' ? ['attr', 'op', 'value'] : ['attr', test];
  for (const k of keys) if (!allowed.includes(k)) fail(`unexpected "${k}" in a ${test} rule`, [...path, k]);
  if (test !== 'op') {
    const d = r[test];
    if (typeof d !== 'string' || parseDuration(d) === undefined) {
      fail(`${test} is a duration in whole days, hours or minutes, e.g. "30d", "12h" or "15m"`, [...path, test]);
    }
    return;
  }
  const op = r.op;
  if (typeof op !== 'string' || !(COMPARE_OPS as readonly string[]).includes(op)) {
    return fail(`unknown op ${JSON.stringify(op)}: use ${COMPARE_OPS.join(', ')}`, [...path, 'op']);
  }
  const hasValue = 'value' in r;
  const value = r.value;
  if (op === 'exists' || op === 'notExists') {
    if (hasValue) fail(`op ${op} takes no value`, [...path, 'value']);
  } else if (!hasValue || value === undefined) {
    fail(`op ${op} needs a value`, path);
  } else if (op === 'in') {
    if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar)) fail('op in takes a non-empty list of strings, numbers or booleans as value', [...path, 'value']);
  } else if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) fail(`op ${op} compares with a number or a string`, [...path, 'value']);
  } else if (!isScalar(value)) {
    fail(`op ${op} compares with a string, number or boolean`, [...path, 'value']);
  }
}

/** A segment rule; see the module comment. */
export const segmentRuleSchema = z.custom<SegmentRule>().check(
  z.superRefine((rule, ctx) => {
    const problems: Problem[] = [];
    ruleProblems(rule, [], 0, problems);
    for (const p of problems) ctx.addIssue({ code: 'custom', message: p.message, path: p.path, input: rule });
  }),
);

export const segmentDefinitionSchema = z.strictObject({
  description: z.optional(z.string()),
  rule: segmentRuleSchema,
});

/** Segment name → definition. */
export const segmentsSchema = namedRecord(
  segmentDefinitionSchema,
  SEGMENT_NAME,
  (name) => `segment "${name}": names start with a letter and hold only letters, digits, _ and -`,
);

export type SegmentsInput = z.input<typeof segmentsSchema>;
export type Segments = z.output<typeof segmentsSchema>;
export type SegmentDefinition = z.output<typeof segmentDefinitionSchema>;

/** Segments over EXAMPLE_COMPUTED_TRAITS (core/computed-traits.ts). */
export const EXAMPLE_SEGMENTS = {
  highValue: {
    description: 'Customers who spent 500 or more in total',
    rule: { attr: 'computed.lifetimeValue', op: 'gte', value: 500 },
  },
  recentBuyers: {
    description: 'Ordered in the last 30 days',
    rule: { attr: 'computed.lastOrderAt', within: '30d' },
  },
  lapsedCustomers: {
    description: 'Ordered before, but not in the last 90 days',
    rule: {
      all: [
        { attr: 'computed.orderCount', op: 'gte', value: 1 },
        { attr: 'computed.lastOrderAt', olderThan: '90d' },
      ],
    },
  },
  unhappyCustomers: {
    description: 'Average support satisfaction below 3 (of 5)',
    rule: { attr: 'computed.averageCsat', op: 'lt', value: 3 },
  },
} as const satisfies SegmentsInput;

// ---------------------------------------------------------------------------
// Compilation and evaluation
// ---------------------------------------------------------------------------

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
