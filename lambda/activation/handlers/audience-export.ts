/**
 * The audience export handler, portable (the Lambda entry and the local
 * runtime call it):
 *
 *   `{ export: name }`            a scheduled run: always exports
 *   a segment event (EventBridge, detail-type Segment Entered / Exited, detail.segment)
 *                                 every export naming that segment with onChangeMinutes > 0,
 *                                 unless it ran less than onChangeMinutes ago (debounced)
 *
 * A run that fails gives back its claim before the error goes up, so that
 * the retry (or the next change) is not taken for debounced.
 */
import type { AudienceManifest } from '../contracts/audiences';
import { exportsOnChange, SEGMENT_CHANGE_DETAIL_TYPES, type AudienceExportRuns } from '../core/audience/runs';
import { exportAudience, type ExportAudienceDeps } from '../usecases/export-audience';

export interface AudienceExportHandlerDeps extends ExportAudienceDeps {
  readonly runs: AudienceExportRuns;
}

export interface ScheduledExportInput {
  readonly export: string;
}

/** The parts of an EventBridge segment event the handler reads. */
export interface SegmentChangeInput {
  readonly source?: string;
  readonly 'detail-type': string;
  readonly detail: { readonly segment?: unknown };
}

export type AudienceExportInput = ScheduledExportInput | SegmentChangeInput;

/** What one invocation did, per export: the manifest's counts, or why it did not run. */
export type AudienceExportOutcome =
  | { readonly export: string; readonly status: 'exported'; readonly manifest: AudienceManifest }
  | { readonly export: string; readonly status: 'debounced'; readonly reason: string };

export interface AudienceExportResult {
  readonly trigger: 'schedule' | 'segment-change';
  readonly outcomes: readonly AudienceExportOutcome[];
}

/** A clear error for an input that is neither a scheduled run nor a segment event. */
export class AudienceExportInputError extends Error {
  override readonly name = 'AudienceExportInputError';
}

function parseInput(event: unknown): { kind: 'schedule'; name: string } | { kind: 'change'; segment: string } {
  if (typeof event === 'object' && event !== null) {
    const e = event as Record<string, unknown>;
    if (typeof e.export === 'string' && e.export.length > 0) return { kind: 'schedule', name: e.export };
    const type = e['detail-type'];
    if (typeof type === 'string' && (SEGMENT_CHANGE_DETAIL_TYPES as readonly string[]).includes(type)) {
      const segment = (e.detail as Record<string, unknown> | undefined)?.segment;
      if (typeof segment === 'string' && segment.length > 0) return { kind: 'change', segment };
      throw new AudienceExportInputError(`a ${type} event without detail.segment`);
    }
  }
  throw new AudienceExportInputError(`the audience export takes { export: <name> } or a segment event (${SEGMENT_CHANGE_DETAIL_TYPES.join(' / ')})`);
}

export function audienceExportHandler(deps: AudienceExportHandlerDeps) {
  const clock = deps.clock ?? Date.now;
  const run = async (name: string, claimedMs: number): Promise<AudienceExportOutcome> => {
    try {
      return { export: name, status: 'exported', manifest: await exportAudience(name, { ...deps, clock: () => claimedMs }) };
    } catch (err) {
      await deps.runs.release(name, claimedMs);
      throw err;
    }
  };
  return async (event: AudienceExportInput | unknown): Promise<AudienceExportResult> => {
    const input = parseInput(event);
    if (input.kind === 'schedule') {
      const now = clock();
      // An unknown name fails (UnknownAudienceExportError) before anything is recorded.
      if (deps.config.activation.audienceExports[input.name] === undefined) await exportAudience(input.name, deps);
      await deps.runs.record(input.name, now);
      return { trigger: 'schedule', outcomes: [await run(input.name, now)] };
    }
    const outcomes: AudienceExportOutcome[] = [];
    for (const { name, windowMs } of exportsOnChange(deps.config.activation.audienceExports, input.segment)) {
      const now = clock();
      if (!(await deps.runs.claim(name, now, windowMs))) {
        outcomes.push({ export: name, status: 'debounced', reason: `exported less than ${windowMs / 60_000} minutes ago; the next change or scheduled run exports the whole segment` });
        continue;
      }
      outcomes.push(await run(name, now));
    }
    return { trigger: 'segment-change', outcomes };
  };
}
