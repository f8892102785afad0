/**
 * The built-in batch person matcher (pure: no I/O). See matcher.ts for the
 * pipeline and rules.ts for the rule set shared with AWS Entity Resolution.
 */
export { matchPeople, ruleHolds, type MatchResult, type MatchStats, type PairExplanation } from './matcher';
export { pairwiseMetrics, type PairwiseMetrics } from './metrics';
export {
  DEFAULT_MATCHING_RULES,
  matchingRulesSchema,
  parseMatchingRules,
  toEntityResolutionCondition,
  type MatchingRules,
  type MatchingRulesInput,
  type MatchRule,
} from './rules';
export { PERSON_FIELDS, PERSON_FIELD_DESCRIPTIONS, isPersonField, type PersonField, type PersonRecord } from './fields';
export { normalizePerson, type NormalizedPerson } from './normalize';
export type { MatchModel, FeatureModel } from './model';
