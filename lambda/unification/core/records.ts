/**
 * From stream records to events: unpack KPL aggregation, parse and validate
 * each payload. Every record ends up either as events or as quarantine entries
 * with a reason; nothing is dropped.
 */
import { parseEvent, type ParseOptions, type UnifyEvent } from '../../shared/events';
import { deaggregate } from '../../shared/kpl';

/** A record that could not be applied, kept with the reason. */
export interface QuarantineEntry {
  readonly reason: string;
  readonly source: string;
  readonly sequenceNumber?: string;
  /** Position inside a KPL-aggregated record. */
  readonly subSequence?: number;
  readonly partitionKey?: string;
  readonly receivedAt: string;
  /** The record as it came: text when it is valid UTF-8, otherwise base64. */
  readonly data: string;
  readonly encoding: 'utf8' | 'base64';
}

export interface StreamRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Buffer;
  /** When the stream received the record, epoch ms. */
  readonly arrivalMs: number;
}

/** An event and the record it came from (for partial-batch failure reports). */
export type SourcedEvent = UnifyEvent & { readonly sequenceNumber: string; readonly subSequence?: number };

export interface DecodedBatch {
  readonly events: SourcedEvent[];
  readonly quarantined: QuarantineEntry[];
  /** Payloads read: plain records plus KPL sub-records. */
  readonly payloads: number;
}

function asStored(data: Buffer): { data: string; encoding: 'utf8' | 'base64' } {
  const text = data.toString('utf8');
  return Buffer.from(text, 'utf8').equals(data) ? { data: text, encoding: 'utf8' } : { data: data.toString('base64'), encoding: 'base64' };
}

export function decodeRecords(records: readonly StreamRecord[], source: string, opts: ParseOptions): DecodedBatch {
  const events: SourcedEvent[] = [];
  const quarantined: QuarantineEntry[] = [];
  let payloads = 0;
  for (const record of records) {
    const reject = (reason: string, data: Buffer, subSequence?: number) =>
      quarantined.push({
        reason,
        source,
        sequenceNumber: record.sequenceNumber,
        ...(subSequence === undefined ? {} : { subSequence }),
        partitionKey: record.partitionKey,
        receivedAt: new Date(record.arrivalMs).toISOString(),
        ...asStored(data),
      });
    const kpl = deaggregate(record.data);
    const parts = !kpl.aggregated
      ? [{ data: record.data, subSequence: undefined }]
      : 'error' in kpl
        ? undefined
        : kpl.records.map((r, i) => ({ data: r.data, subSequence: i }));
    if (parts === undefined) {
      payloads++;
      reject((kpl as { error: string }).error, record.data);
      continue;
    }
    for (const part of parts) {
      payloads++;
      const result = parseEvent(part.data, record.arrivalMs, opts);
      if (result.ok) {
        // The parsed event is fresh: tag it with its record instead of copying it.
        const sourced: SourcedEvent = Object.assign(result.event, { sequenceNumber: record.sequenceNumber });
        if (part.subSequence !== undefined) Object.assign(sourced, { subSequence: part.subSequence });
        events.push(sourced);
      } else reject(result.reason, part.data, part.subSequence);
    }
  }
  return { events, quarantined, payloads };
}
