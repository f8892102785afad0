/**
 * Deterministic matching rules: a pair matches when every condition of a rule
 * holds (see lambda/config/unification/matching.ts for the rule language shared with Entity Resolution).
 */
import { addBlock, PairList } from './blocking';
import type { Clusters } from './cluster';
import { bigramCosine, levenshtein } from './comparators';
import { fieldText, type NormalizedPerson } from './normalize';
import { soundex } from './phonetic';
import type { MatchingRules, MatchRule, RuleCondition } from '../../../config/unification/matching';

function conditionHolds(c: RuleCondition, a: NormalizedPerson, b: NormalizedPerson): boolean {
  const va = fieldText(a, c.field);
  const vb = fieldText(b, c.field);
  if (va === '' || vb === '') return false;
  switch (c.comparator) {
    case 'exact':
      return va === vb;
    case 'levenshtein':
      return levenshtein(va, vb) <= (c.threshold ?? 1);
    case 'cosine':
      return bigramCosine(va, vb) * 100 >= (c.threshold ?? 90);
    case 'soundex':
      return soundex(va) === soundex(vb);
  }
}

/** Whether a pair of records satisfies a deterministic rule. */
export function ruleHolds(rule: MatchRule, a: NormalizedPerson, b: NormalizedPerson): boolean {
  return rule.conditions.every((c) => conditionHolds(c, a, b));
}

/**
 * Applies the deterministic rules. A rule with exact conditions groups records
 * by those values (groups larger than `maxRuleGroupSize` are taken for
 * placeholders and skipped); other conditions are checked pair by pair inside a
 * group. A rule without exact conditions is checked on the blocking candidates.
 */
export function applyRules(
  people: readonly NormalizedPerson[],
  rules: MatchingRules,
  candidates: Float64Array,
  clusters: Clusters,
  sortKeys: readonly string[],
): { matched: Record<string, number>; total: number } {
  const n = people.length;
  const matched: Record<string, number> = {};
  let total = 0;
  for (const rule of rules.rules) {
    let count = 0;
    const exact = rule.conditions.filter((c) => c.comparator === 'exact');
    const rest = rule.conditions.filter((c) => c.comparator !== 'exact');
    if (exact.length > 0) {
      const groups = new Map<string, number[]>();
      for (let i = 0; i < n; i++) {
        const parts: string[] = [];
        let ok = true;
        for (const c of exact) {
          const v = fieldText(people[i]!, c.field);
          if (v === '') {
            ok = false;
            break;
          }
          parts.push(v);
        }
        if (!ok) continue;
        const key = parts.join('\u0001');
        const g = groups.get(key);
        if (g) g.push(i);
        else groups.set(key, [i]);
      }
      for (const g of groups.values()) {
        if (g.length < 2 || g.length > rules.blocking.maxRuleGroupSize) continue;
        if (rest.length === 0) {
          for (let k = 1; k < g.length; k++) clusters.union(g[0]!, g[k]!);
          count += (g.length * (g.length - 1)) / 2;
        } else {
          const pairs = new PairList(n, 64);
          addBlock(g, pairs, sortKeys, rules.blocking.maxBlockSize, rules.blocking.oversizedWindow);
          for (const code of pairs.unique()) {
            const i = Math.floor(code / n);
            const j = code - i * n;
            if (rest.every((c) => conditionHolds(c, people[i]!, people[j]!))) {
              clusters.union(i, j);
              count++;
            }
          }
        }
      }
    } else {
      for (const code of candidates) {
        const i = Math.floor(code / n);
        const j = code - i * n;
        if (ruleHolds(rule, people[i]!, people[j]!)) {
          clusters.union(i, j);
          count++;
        }
      }
    }
    matched[rule.name] = count;
    total += count;
  }
  return { matched, total };
}

