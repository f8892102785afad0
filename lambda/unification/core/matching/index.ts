/**
 * The built-in batch person matcher (pure: no I/O, no AWS SDK).
 *
 *   matchPeople(records, rules?) → cluster id per record id, stats, model, explain
 *   pairwiseMetrics(predicted, truth) → precision / recall / F1 over all pairs
 *
 * Pipeline (matcher.ts): normalise (normalize.ts; a full name is split into its
 * parts by person-name.ts) → block (blocking.ts) →
 * deterministic rules (deterministic.ts) → Fellegi–Sunter scoring with m and
 * the prior learnt by EM (scoring.ts, model.ts, features.ts) → coherent
 * clustering (cluster.ts). The rule set (lambda/config/unification/matching.ts)
 * is shared with AWS Entity Resolution.
 */
export { matchPeople } from './matcher';
export { pairwiseMetrics, type PairwiseMetrics } from './metrics';
