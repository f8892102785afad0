/**
 * Rules across the unification section's fields, checked when the config is
 * loaded (so `cdk synth` and `npm start` both fail on them): a segment on a
 * computed trait or identifier type that does not exist would never match,
 * and a limit on an identifier type that is not configured would never apply.
 */
import type * as z from 'zod/mini';
import type { SegmentRule } from './segments';

/** What the shipped enrichers write under `enriched.` (lambda/unification/core/profile/enrich.ts). */
export const BUILT_IN_ENRICHED = ['region', 'regionSource'] as const;

interface Section {
  readonly identity: { readonly identifiers: readonly string[]; readonly limits: Readonly<Record<string, number>> };
  /** The merged definitions: the configured ones over the defaults (computed-traits.ts). */
  readonly computedTraits: Readonly<Record<string, unknown>>;
  readonly segments: Readonly<Record<string, { readonly rule: SegmentRule }>>;
}

type Issue = { path: (string | number)[]; message: string };

/** The closest name by edit distance, for "did you mean". */
function closest(name: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0] as number;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j] as number;
        row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length] as number;
  };
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(name, c);
    if (best === undefined || d < best.d) best = { name: c, d };
  }
  return best !== undefined && best.d <= Math.max(2, Math.floor(name.length / 4)) ? best.name : undefined;
}

function unknownName(kind: string, name: string, known: readonly string[], where: string): string {
  const guess = closest(name, known);
  return `unknown ${kind} ${JSON.stringify(name)}${guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?)`}; ${where}: ${known.join(', ')}`;
}

function ruleAttributes(rule: SegmentRule, path: (string | number)[], out: Array<{ attr: string; path: (string | number)[] }>): void {
  if (typeof rule !== 'object' || rule === null) return;
  if ('all' in rule && Array.isArray(rule.all)) rule.all.forEach((r, i) => ruleAttributes(r, [...path, 'all', i], out));
  else if ('any' in rule && Array.isArray(rule.any)) rule.any.forEach((r, i) => ruleAttributes(r, [...path, 'any', i], out));
  else if ('not' in rule) ruleAttributes(rule.not, [...path, 'not'], out);
  else if ('attr' in rule && typeof rule.attr === 'string') out.push({ attr: rule.attr, path: [...path, 'attr'] });
}

/** The issues of a section; parts that failed their own validation (absent or malformed here) are skipped. */
export function unificationCrossIssues(s: Section): Issue[] {
  const issues: Issue[] = [];
  const types = Array.isArray(s.identity?.identifiers) ? s.identity.identifiers : [];
  for (const type of Object.keys(s.identity?.limits ?? {})) {
    if (!types.includes(type)) {
      issues.push({ path: ['identity', 'limits', type], message: unknownName('identifier type', type, types, 'limits apply to the types in unification.identity.identifiers') });
    }
  }
  const computed = Object.keys(s.computedTraits ?? {});
  for (const [name, segment] of Object.entries(s.segments ?? {})) {
    if (typeof segment?.rule !== 'object' || segment.rule === null) continue;
    const attrs: Array<{ attr: string; path: (string | number)[] }> = [];
    ruleAttributes(segment.rule, ['segments', name, 'rule'], attrs);
    for (const { attr, path } of attrs) {
      const [root, field] = attr.split('.') as [string, string | undefined];
      if (field === undefined) continue;
      if (root === 'computed' && !computed.includes(field)) {
        issues.push({ path, message: unknownName('computed trait', field, computed, 'segments read unification.computedTraits and its defaults') });
      } else if (root === 'identifiers' && !types.includes(field)) {
        issues.push({ path, message: unknownName('identifier type', field, types, 'the identifier types are') });
      } else if (root === 'enriched' && !(BUILT_IN_ENRICHED as readonly string[]).includes(field)) {
        issues.push({ path, message: unknownName('enriched attribute', field, BUILT_IN_ENRICHED, 'the enrichers write') });
      }
    }
  }
  return issues;
}

/** A zod check for the section: each issue at its path under `unification`. */
export function addUnificationCrossIssues(s: Section, ctx: z.core.$RefinementCtx<Section>): void {
  for (const issue of unificationCrossIssues(s)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: s });
}
