/**
 * The built-in batch person matcher (pure: no I/O, no AWS SDK).
 *
 *   matchPeople(records, rules?) → cluster id per record id, stats, model, explain
 *   pairwiseMetrics(predicted, truth) → precision / recall / F1 over all pairs
 *
 * Pipeline (matcher.ts): normalise (normalize.ts) → block (blocking.ts) →
 * deterministic rules (deterministic.ts) → Fellegi–Sunter scoring with m and
 * the prior learnt by EM (scoring.ts, model.ts, features.ts) → coherent
 * clustering (cluster.ts). The rule set (rules.ts) is shared with AWS Entity
 * Resolution.
 */
export { matchPeople, type MatchResult, type MatchStats, type PairExplanation } from './matcher';
export { ruleHolds } from './deterministic';
export { pairwiseMetrics, type PairwiseMetrics } from './metrics';
export {
  DEFAULT_MATCHING_RULES,
  matchingRulesSchema,
  parseMatchingRules,
  toEntityResolutionCondition,
  BLOCKING_TRANSFORMS,
  RULE_COMPARATORS,
  type BlockingPass,
  type MatchingRules,
  type MatchingRulesInput,
  type MatchRule,
  type RuleCondition,
  type SortedNeighbourhood,
} from './rules';
export { PERSON_FIELDS, PERSON_FIELD_DESCRIPTIONS, isPersonField, type PersonField, type PersonRecord } from './fields';
export { normalizePerson, type NormalizedPerson, type NormalizeOptions } from './normalize';
export {
  bigramCosine,
  compareDates,
  compareNumbers,
  damerauLevenshtein,
  jaro,
  jaroWinkler,
  levenshtein,
  withinOneEdit,
  type DateParts,
} from './comparators';
export { nysiis, soundex } from './phonetic';
export { isNicknamePair } from './nicknames';
export type { MatchModel, FeatureModel } from './model';
