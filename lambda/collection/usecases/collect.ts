/**
 * The HTTP collector's steps, independent of HTTP: events a source sent in
 * one request go through the shared ingest normalisation (validation,
 * receivedAt, messageId, clock-skew correction, normalisation, user agent,
 * IP), and the accepted ones are written to the event stream through the
 * EventSink port (PutRecords, failed entries retried). Every event comes out
 * accepted or rejected with its reason, and every accepted one written or
 * counted as not written.
 *
 * The tracking plan (config.trackingPlan, shared/tracking-plan.ts) is checked
 * on each valid event as the client sent it: an event its source's mode
 * blocks is rejected with the reason (`tracking plan: <event>: <reasons>`);
 * every other event is written flagged as checked (`context.c360.plan`), with
 * its violations (`context.c360.violations`) when it is accepted although it
 * breaks the plan, so the consumer does not check it again. With an empty
 * plan (the default) events are written as before, unflagged.
 */
import { randomUUID } from 'node:crypto';
import type { C360Config } from '../../config';
import { partitionKeyOf } from '../../shared/partition-key';
import { markChecked, planIsEmpty, planVerdict, rejectionReason } from '../../shared/tracking-plan';
import type { TrackingPlan } from '../../config/tracking-plan';
import { ingestEvent, type IngestOptions } from '../core/ingest';
import { userAgentContext } from '../core/user-agent';
import type { EventSink, OutgoingRecord, PartialWrite } from '../ports';
import type { IngestSuppression } from '../../governance/ports';
import { suppressionIdentifiers } from '../../governance/contracts/suppression';

/** The ingest options, and the tracking plan the collector enforces (none: nothing checked). */
export interface CollectOptions extends IngestOptions {
  readonly trackingPlan?: TrackingPlan;
}

export interface CollectDeps {
  /** The event stream; it retries the records it reports as failed. */
  readonly events: EventSink;
  readonly ingest: CollectOptions;
  /** Optional geo lookup, run by ingest before the IP is truncated. */
  readonly geo?: (ip: string) => Record<string, unknown> | undefined;
  /** Drops the events of erased people (none: nothing is dropped). */
  readonly suppression?: IngestSuppression;
}

/**
 * What a batch request says for all its events (the Segment batch API): its
 * `sentAt`, and `context` and `integrations` that apply to every call in it.
 * An event's own fields win.
 */
export interface BatchDefaults {
  readonly sentAt?: unknown;
  readonly context?: Record<string, unknown>;
  readonly integrations?: Record<string, unknown>;
}

export interface CollectRequest {
  /** The events as the client sent them (JSON values; anything not an object is rejected). */
  readonly events: readonly unknown[];
  /** The authenticated source, stamped on every event (`context.source`). */
  readonly source: string;
  /** Server receive time, epoch ms. */
  readonly receivedAt: number;
  /** The caller's address, used for events without `context.ip`. */
  readonly ip?: string;
  readonly defaults?: BatchDefaults;
}

export interface Rejection {
  /** Position of the event in the request (0 for a single-event request). */
  readonly index: number;
  readonly messageId?: string;
  readonly reason: string;
}

export interface CollectOutcome {
  /** Events that passed validation and normalisation. */
  readonly accepted: number;
  readonly rejected: readonly Rejection[];
  /** Accepted events written to the stream. */
  readonly written: number;
  /** Accepted events that could not be written (retries exhausted, or the stream unavailable). */
  readonly notWritten: number;
  /** Why some were not written. */
  readonly writeError?: string;
  /** messageId of each accepted event, in request order. */
  readonly messageIds: readonly string[];
  /** PutRecords entries retried after Kinesis reported them failed. */
  readonly retried: number;
  /** Accepted events that break the tracking plan (mode allow), flagged in `context.c360.violations`; absent with an empty plan. */
  readonly flagged?: number;
  /** Valid events of erased people, dropped before the stream (not in `accepted`); absent without a suppression check. */
  readonly suppressed?: number;
}

/** The ingest options of a deployment (config.ingest and config.normalization) and its tracking plan (config.trackingPlan). */
export function ingestOptionsOf(config: C360Config): CollectOptions {
  return {
    defaultPhoneRegion: config.normalization.defaultPhoneRegion,
    parseUserAgent: config.ingest.parseUserAgent,
    truncateIp: config.ingest.truncateIp,
    trackingPlan: config.trackingPlan,
  };
}

/** PutRecords takes at most 500 records per call. */
const RECORDS_PER_CALL = 500;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The event with the batch's defaults applied and the write key (a credential) removed. */
function prepare(raw: unknown, defaults: BatchDefaults | undefined): unknown {
  if (!isObject(raw)) return raw;
  const { writeKey: _writeKey, ...event } = raw;
  if (defaults === undefined) return event;
  if (event.sentAt === undefined && defaults.sentAt !== undefined) event.sentAt = defaults.sentAt;
  if (defaults.context !== undefined) {
    event.context = isObject(event.context) ? { ...defaults.context, ...event.context } : event.context ?? defaults.context;
  }
  if (defaults.integrations !== undefined) {
    event.integrations = isObject(event.integrations) ? { ...defaults.integrations, ...event.integrations } : event.integrations ?? defaults.integrations;
  }
  return event;
}

/** The error of a sink that wrote some of the records (ports.ts: PartialWrite). */
function isPartialWrite(err: unknown): err is PartialWrite {
  const e = err as Partial<PartialWrite> | null | undefined;
  return typeof e?.failed === 'number' && typeof e.lastError === 'string';
}

function messageIdOf(raw: unknown): string | undefined {
  return isObject(raw) && typeof raw.messageId === 'string' && raw.messageId.length > 0 ? raw.messageId.slice(0, 256) : undefined;
}

export async function collect(request: CollectRequest, deps: CollectDeps): Promise<CollectOutcome> {
  const rejected: Rejection[] = [];
  const candidates: Array<{ event: Record<string, unknown> }> = [];
  const plan = deps.ingest.trackingPlan !== undefined && !planIsEmpty(deps.ingest.trackingPlan) ? deps.ingest.trackingPlan : undefined;
  let flagged = 0;
  request.events.forEach((raw, index) => {
    const prepared = prepare(raw, request.defaults);
    const result = ingestEvent(prepared, {
      source: request.source,
      receivedAt: request.receivedAt,
      options: deps.ingest,
      newMessageId: randomUUID,
      ...(request.ip === undefined ? {} : { ip: request.ip }),
      ...(deps.geo === undefined ? {} : { geo: deps.geo }),
      userAgent: userAgentContext,
    });
    if (!result.ok) {
      const messageId = messageIdOf(raw);
      rejected.push({ index, ...(messageId === undefined ? {} : { messageId }), reason: result.reason });
      return;
    }
    let event = result.event;
    if (plan !== undefined) {
      // The plan is about what the client sent: its values before normalisation.
      const verdict = planVerdict(plan, request.source, prepared);
      if (verdict.action === 'reject') {
        const messageId = messageIdOf(raw);
        rejected.push({ index, ...(messageId === undefined ? {} : { messageId }), reason: rejectionReason(prepared, verdict.violations) });
        return;
      }
      if (verdict.action === 'flag') flagged++;
      event = markChecked(event, verdict);
    }
    candidates.push({ event });
  });

  // One lookup for the whole request: the events of erased people never reach the stream.
  const suppression = deps.suppression;
  const dropped = suppression === undefined || candidates.length === 0
    ? []
    : await suppression.check.suppressed(candidates.map((c) => suppressionIdentifiers(c.event, suppression.identifiers)));
  const records: OutgoingRecord[] = [];
  const messageIds: string[] = [];
  let suppressed = 0;
  candidates.forEach(({ event }, i) => {
    if (dropped[i] === true) {
      suppressed++;
      return;
    }
    messageIds.push(String(event.messageId));
    records.push({ partitionKey: partitionKeyOf(event), data: Buffer.from(JSON.stringify(event)) });
  });

  const accepted = records.length;
  const base = { accepted, rejected, messageIds, ...(plan === undefined ? {} : { flagged }), ...(suppression === undefined ? {} : { suppressed }) };
  // One sink call per PutRecords-sized group, so that a failure is counted
  // exactly: groups before it were written, groups after it are not tried.
  let written = 0;
  let retried = 0;
  for (let start = 0; start < accepted; start += RECORDS_PER_CALL) {
    const group = records.slice(start, start + RECORDS_PER_CALL);
    try {
      const out = await deps.events.put(group);
      written += group.length;
      retried += out.retried;
    } catch (err) {
      // Re-sending the request is safe: the consumer applies each messageId once.
      const failed = isPartialWrite(err) ? err.failed : group.length;
      written += group.length - failed;
      const reason = isPartialWrite(err) ? err.lastError : (err as Error).message;
      return { ...base, written, notWritten: accepted - written, writeError: reason, retried };
    }
  }
  return { ...base, written, notWritten: 0, retried };
}
