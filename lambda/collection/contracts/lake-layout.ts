/**
 * The raw lake's layout, shared by the deployed Firehose delivery stream and
 * the Athena tables over it (lib/constructs/collection/raw-lake.ts), the local
 * lake writer (lambda/local/lake-writer.ts) and the unification pillar's
 * quarantine sink (lambda/unification/adapters/quarantine.ts):
 *
 *   raw/source=<source>/dt=<YYYY-MM-DD>/…jsonl.gz        every accepted event, as it came
 *   quarantine/source=firehose/dt=<YYYY-MM-DD>/processing-failed-…jsonl.gz
 *                                                        what Firehose cannot partition, with the reason
 *
 * Where a record is filed is decided by `lakePartition`, a pure function; the
 * deployed delivery stream runs `lakePartitionJq(...)`, a jq 1.6 query built
 * next to it from the same constants, so that the two agree
 * (test/infra/collection/raw-lake.test.ts runs both over the same records).
 */
/** Zone of the lake holding every accepted event as it came. */
export const RAW_ZONE = 'raw';
/** Zone holding rejected input, with its reason. */
export const QUARANTINE_ZONE = 'quarantine';
/** The `source` partition of what Firehose itself could not partition. */
export const FIREHOSE_QUARANTINE_SOURCE = 'firehose';
/** Firehose's `!{firehose:error-output-type}` for records a processor (here: metadata extraction) rejected. */
export const PROCESSING_FAILED = 'processing-failed';
/** The `source` of an event that names no known source (producers writing straight to the stream). */
export const FALLBACK_SOURCE = 'kinesis';
/** A zone of the lake: its top-level folder. */
export type LakeZone = typeof RAW_ZONE | typeof QUARANTINE_ZONE;

const sourceFolder = (source: string) => `source=${source}/`;
/**
 * `source=<source>/dt=<dt>/`: a partition's folders below its zone (Hive
 * style, for Athena). The values are inserted as given, so they may be
 * placeholders a service fills in (Firehose's `!{partitionKeyFromQuery:dt}`,
 * Athena's `${dt}`) as well as actual values.
 */
export const partitionPath = (source: string, dt: string) => `${sourceFolder(source)}dt=${dt}/`;
/** `<zone>/source=<source>/`: everything of one source in a zone. */
export const sourcePrefix = (zone: LakeZone, source: string) => `${zone}/${sourceFolder(source)}`;
/** `<zone>/source=<source>/dt=<dt>/`: where a partition's objects go (values as for `partitionPath`). */
export const lakePrefix = (zone: LakeZone, source: string, dt: string) => `${zone}/${partitionPath(source, dt)}`;
/** Extension of the lake's objects, locally and (Firehose `FileExtension`) deployed. */
export const LAKE_FILE_EXTENSION = '.jsonl.gz';
/**
 * A usable event date: the value starts with a calendar-looking `YYYY-MM-DD`
 * (ISO-8601, as the HTTP collector and the batch import write it). The day is
 * the date as written, in the event's own offset, not converted to UTC.
 * Written for jq's regex engine (Oniguruma) and JavaScript alike.
 */
export const EVENT_DATE_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])';
const EVENT_DATE = new RegExp(EVENT_DATE_PATTERN);
/** Error code written with records that could not be partitioned (mirrors Firehose's dynamic-partitioning failures). */
export const PARTITIONING_ERROR_CODE = 'DynamicPartitioning.MetadataExtractionFailed';

/**
 * Values of the `source` partition: the configured sources plus the fallback.
 * The Glue tables project exactly these, so every raw object is visible to Athena.
 */
export function partitionSources(configuredSources: readonly string[]): string[] {
  return [...new Set([...configuredSources, FALLBACK_SOURCE])];
}

export type LakePartition = { ok: true; dt: string; source: string } | { ok: false; reason: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function eventDay(value: unknown): string | undefined {
  return typeof value === 'string' && EVENT_DATE.test(value) ? value.slice(0, 10) : undefined;
}

/**
 * Where the lake files an event: `dt` is the first 10 characters (YYYY-MM-DD)
 * of `timestamp`, or of `receivedAt` when `timestamp` is missing or not a
 * date; `source` is `context.source` when it is one of `sources` (see
 * `partitionSources`), otherwise "kinesis". A value that is not an object, or
 * has no usable date, cannot be filed.
 *
 * `lakePartitionJq` is the same derivation as a jq query: change both together.
 */
export function lakePartition(event: unknown, sources: ReadonlySet<string>): LakePartition {
  if (!isObject(event)) {
    const got = Array.isArray(event) ? 'an array' : event === null ? 'null' : `a ${typeof event}`;
    return { ok: false, reason: `a record must be a JSON object, got ${got}` };
  }
  const dt = eventDay(event.timestamp) ?? eventDay(event.receivedAt);
  if (dt === undefined) return { ok: false, reason: 'no usable date: neither timestamp nor receivedAt starts with YYYY-MM-DD' };
  const named = isObject(event.context) ? event.context.source : undefined;
  const source = typeof named === 'string' && sources.has(named) ? named : FALLBACK_SOURCE;
  return { ok: true, dt, source };
}

/**
 * The Firehose MetadataExtraction query (jq 1.6) deriving the `dt` and
 * `source` partition keys exactly as `lakePartition` does. A record it cannot
 * file makes jq fail (indexing a non-object, or the explicit `error`), which
 * Firehose answers by writing the record to the error output prefix.
 *
 * Only core jq is used (`type`, `test`, string slices, `//`, `error`, `==`,
 * `or`), and the source list is spelled out as comparisons, so the query does
 * not depend on newer builtins.
 */
export function lakePartitionJq(sources: readonly string[]): string {
  const day = (field: string) =>
    `(.${field} | if type == "string" and test(${JSON.stringify(EVENT_DATE_PATTERN)}) then .[0:10] else null end)`;
  const known = [...new Set(sources)].map((s) => `. == ${JSON.stringify(s)}`).join(' or ');
  const dt = `${day('timestamp')} // ${day('receivedAt')} // error("no usable date: neither timestamp nor receivedAt starts with YYYY-MM-DD")`;
  const source = `(.context | if type == "object" then .source else null end) | if ${known} then . else ${JSON.stringify(FALLBACK_SOURCE)} end`;
  return `{"dt": (${dt}), "source": (${source})}`;
}

/**
 * Splits a record into the JSON objects it carries, as Firehose's
 * RecordDeAggregation processor (SubRecordType JSON) does: one object, or
 * several written back to back or one per line. Returns undefined when the
 * text is anything else.
 */
export function splitJsonObjects(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    if (text[i] !== '{') return undefined;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) return undefined;
    out.push(text.slice(start, i));
  }
  return out.length > 0 ? out : undefined;
}
