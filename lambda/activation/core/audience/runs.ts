/**
 * When an audience export runs: on its schedule always, on a change of its
 * segment's membership at most once per `onChangeMinutes` (a burst of
 * Segment Entered events, one per member, makes one export, not one per
 * member). Changes inside the window are not lost: the next run, on change
 * or on schedule, reads the whole segment again.
 */
import type { AudienceExportDefinition } from '../../../config/activation';

/** The last run of each export, kept where concurrent invocations see one another (the activation table's STATE items). */
export interface AudienceExportRuns {
  /**
   * Records a run starting at `nowMs` unless one started less than
   * `windowMs` before; false when one did (this change is debounced).
   * Atomic: of concurrent claims in one window, one wins.
   */
  claim(exportName: string, nowMs: number, windowMs: number): Promise<boolean>;
  /** Records a run starting at `nowMs` whatever came before (a scheduled run). */
  record(exportName: string, nowMs: number): Promise<void>;
  /** Forgets the run claimed at `claimedMs` (it failed), unless a later run replaced it: the next change then exports at once. */
  release(exportName: string, claimedMs: number): Promise<void>;
}

/** The detail-types of the unification pillar's segment events (source `c360.segments`). */
export const SEGMENT_CHANGE_DETAIL_TYPES = ['Segment Entered', 'Segment Exited'] as const;

/** The exports a change of `segment` sets off: those naming it with a non-zero onChangeMinutes, by name. */
export function exportsOnChange(exports: Readonly<Record<string, AudienceExportDefinition>>, segment: string): Array<{ name: string; windowMs: number }> {
  return Object.entries(exports)
    .filter(([, e]) => e.segment === segment && e.onChangeMinutes > 0)
    .map(([name, e]) => ({ name, windowMs: e.onChangeMinutes * 60_000 }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}
