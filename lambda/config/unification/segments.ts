/**
 * The segments section of the config: named rules over a profile's traits,
 * computed traits, enriched attributes, identifiers and propensity scores. How a rule is
 * evaluated (missing attributes, lists, numeric strings) is
 * lambda/unification/core/segments/segments.ts.
 *
 * A rule is `{ all: [...] }`, `{ any: [...] }`, `{ not: rule }`, a comparison
 * `{ attr, op, value }`, or a time rule `{ attr, within: '30d' }` (the time is
 * less than that long ago) / `{ attr, olderThan: '90d' }` (at least that long
 * ago). Durations are whole days (`d`), hours (`h`) or minutes (`m`).
 *
 * `attr` is a dotted path into the subject: `traits.<name>[.<field>...]`,
 * `computed.<name>`, `enriched.<name>`, `identifiers.<type>` (a list),
 * `scores.<model>` (the model's latest probability, 0 to 1: `scores.churn gte
 * 0.7`) and `scores.<model>.scoredAt` (when it was scored, for a time rule);
 * the models are activation's SCORE_MODELS (churn, repurchase).
 */
import * as z from 'zod/mini';
import '../zod-locale';
import { namedRecord } from '../named-record';
import { SCORE_MODELS } from '../activation';

export const COMPARE_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'notExists'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export const ATTRIBUTE_ROOTS = ['traits', 'computed', 'enriched', 'identifiers', 'scores'] as const;
/** The one field of a score a rule may read besides the probability (`scores.<model>`). */
export const SCORE_FIELDS = ['scoredAt'] as const;
export type SegmentScalar = string | number | boolean;

export type SegmentRule =
  | { readonly all: readonly SegmentRule[] }
  | { readonly any: readonly SegmentRule[] }
  | { readonly not: SegmentRule }
  | { readonly attr: string; readonly op: CompareOp; readonly value?: SegmentScalar | readonly SegmentScalar[] }
  | { readonly attr: string; readonly within: string }
  | { readonly attr: string; readonly olderThan: string };

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
  if (parts.length < 2 || parts.some((p) => p === '')) return `"${attr}" names no attribute: write e.g. "${root}.${root === 'identifiers' ? 'email' : root === 'scores' ? 'churn' : 'name'}"`;
  if (root === 'identifiers' && parts.length !== 2) return `"${attr}": identifiers.<type> is a list of values and has no fields`;
  if (root === 'scores') {
    const model = parts[1] as string;
    if (!(SCORE_MODELS as readonly string[]).includes(model)) {
      return `unknown score model "${model}" in "${attr}": the models are ${SCORE_MODELS.join(', ')} (scores.<model> is its probability, 0 to 1)`;
    }
    const field = parts[2];
    if (parts.length > 3 || (field !== undefined && !(SCORE_FIELDS as readonly string[]).includes(field))) {
      return `"${attr}": scores.${model} is the probability (0 to 1); its only field is ${SCORE_FIELDS.map((f) => `scores.${model}.${f}`).join(', ')}`;
    }
  }
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

/** Segments over EXAMPLE_COMPUTED_TRAITS (computed-traits.ts). */
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
  likelyToChurn: {
    description: 'Churn propensity 0.7 or more',
    rule: { attr: 'scores.churn', op: 'gte', value: 0.7 },
  },
} as const satisfies SegmentsInput;
