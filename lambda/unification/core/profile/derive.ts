/**
 * What derives from a profile's data rather than being stored as it came:
 * enrichment, computed traits from config, segment membership (over traits,
 * computed values, enrichment, identifiers and scores), and when time
 * alone will next change any of them (the scheduled re-check's cue).
 * Recomputed whenever a profile is written, and by the re-check.
 */
import type { ComputedTraits } from '../../../config/unification/computed-traits';
import type { SegmentRule, Segments } from '../../../config/unification/segments';
import { compileComputedTraits } from '../traits/compile';
import { aggregatesNextChangeAt, evaluateAggregates } from '../traits/evaluate';
import type { AggregateValue, CompiledComputedTraits } from '../traits/model';
import { enrichProfile, traitValues, type Enricher } from './enrich';
import type { Profile } from './profile';
import { scoreValues } from './scores';
import {
  compileSegments,
  evaluateSegments,
  segmentsNextChangeAt,
  updateMembership,
  type CompiledSegments,
  type SegmentSubject,
} from '../segments/segments';

export interface ProfileDerivations {
  readonly enrichers: readonly Enricher[];
  readonly computedTraits: CompiledComputedTraits;
  readonly segments: CompiledSegments;
  /** The computed traits segments read: only their changes over time need a re-check. */
  readonly segmentTraits: CompiledComputedTraits;
}

export function compileDerivations(computedTraits: ComputedTraits, segments: Segments, enrichers: readonly Enricher[]): ProfileDerivations {
  const read = new Set<string>();
  const walk = (rule: SegmentRule): void => {
    if ('all' in rule) rule.all.forEach(walk);
    else if ('any' in rule) rule.any.forEach(walk);
    else if ('not' in rule) walk(rule.not);
    else if (rule.attr.startsWith('computed.')) read.add(rule.attr.slice('computed.'.length).split('.')[0] as string);
  };
  for (const s of Object.values(segments)) walk(s.rule as SegmentRule);
  return {
    enrichers,
    computedTraits: compileComputedTraits(computedTraits),
    segments: compileSegments(segments),
    segmentTraits: compileComputedTraits(Object.fromEntries(Object.entries(computedTraits).filter(([name]) => read.has(name)))),
  };
}

/** The profile's computed values at `nowMs`: every computed trait from config, its defaults included. */
export function computedValues(p: Profile, d: ProfileDerivations, nowMs: number): Record<string, AggregateValue> {
  return evaluateAggregates(d.computedTraits, p.aggregates, nowMs, p.computed);
}

/** What segment rules read: of the computed traits, only those some rule names (the rest cannot change membership). */
export function segmentSubject(p: Profile, d: ProfileDerivations, nowMs: number, traits: Record<string, unknown> = traitValues(p)): SegmentSubject {
  return {
    traits,
    computed: evaluateAggregates(d.segmentTraits, p.aggregates, nowMs, p.computed),
    enriched: p.enriched ?? {},
    identifiers: p.identifiers,
    scores: scoreValues(p.scores),
  };
}

/**
 * Enrichment, segment membership (entry times kept) and the next re-check
 * time, as of `nowMs`. A profile whose derived data is unchanged comes back
 * as the same object.
 */
export function refreshProfile(p: Profile, d: ProfileDerivations, nowMs: number): Profile {
  const traits = traitValues(p);
  const enriched = enrichProfile(p, d.enrichers, traits);
  if (d.segments.segments.length === 0) return enriched;
  const subject = segmentSubject(enriched, d, nowMs, traits);
  const { segments, entered, exited } = updateMembership(enriched.segments, evaluateSegments(d.segments, subject, nowMs), new Date(nowMs).toISOString());
  const next = [segmentsNextChangeAt(d.segments, subject, nowMs), aggregatesNextChangeAt(d.segmentTraits, enriched.aggregates, nowMs)].filter(
    (t): t is number => t !== undefined,
  );
  const recheckAt = next.length === 0 ? undefined : Math.min(...next);
  const membershipSame = entered.length === 0 && exited.length === 0 && enriched.segments !== undefined;
  if (membershipSame && recheckAt === enriched.recheckAt) return enriched;
  const { recheckAt: _old, ...rest } = enriched;
  return { ...rest, segments: membershipSame ? (enriched.segments as Record<string, string>) : segments, ...(recheckAt === undefined ? {} : { recheckAt }) };
}
