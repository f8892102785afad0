/**
 * Reads the output of an AWS Entity Resolution matching job, and writes the
 * apply step's report next to it.
 *
 * Entity Resolution writes each job's results under the workflow's
 * OutputS3Path in a folder named after the job id: matched records in files
 * under `success/` (each file a subset of the records), records it could not
 * process under `error/`. A success file is CSV with a header line: the
 * output fields selected in the workflow (here `profile_id` and the person
 * columns) plus the match metadata: `MatchID` (the same for every record of
 * one matched set, unique for a record that matched nothing), `MatchRule`
 * (rule-based workflows: the rule that matched the record) and
 * `ConfidenceLevel` (ML workflows), and `InputSourceARN`. Those metadata
 * names are reserved in schema mappings.
 * (AWS Entity Resolution User Guide: "Match input data using a matching
 * workflow" and "Troubleshooting matching workflows".)
 *
 * The parser streams the CSV, keeps one entry per MatchID, and returns the
 * sets of two or more distinct profiles. A row it cannot use is returned
 * with its line and the reason, never silently dropped. Because the records
 * of one MatchID may be spread over a job's files, readJobMatchOutput reads
 * all the files of a job's `success/` folder together.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parse, type CsvError } from 'csv-parse';
import { PROFILE_ID_COLUMN } from '../contracts/snapshot';
import { openObject } from '../../shared/s3-object';

export interface MatchGroup {
  readonly matchId: string;
  /** Distinct, in the order of the output. */
  readonly profileIds: readonly string[];
  /** The rule that matched the set (the one most of its records carry). */
  readonly rule?: string;
  /** ML workflows: the lowest confidence level among the set's records. */
  readonly confidence?: number;
}

export interface RejectedRow {
  /** Line of the output file (the header is line 1). */
  readonly line: number;
  readonly reason: string;
  /** The output file, when several were read together. */
  readonly key?: string;
}

export interface MatchOutput {
  /** Sets of two or more distinct profiles, in order of first appearance. */
  readonly groups: MatchGroup[];
  readonly rejected: RejectedRow[];
  /** Data rows read (usable or not). */
  readonly rows: number;
}

export interface ParseOptions {
  /** The column holding the record's unique id. @default `profile_id` */
  readonly idColumn?: string;
}

/** Entity Resolution's metadata columns (matched case-insensitively). */
const MATCH_ID = 'matchid';
const MATCH_RULE = 'matchrule';
const CONFIDENCE = 'confidencelevel';

/** True for an object Entity Resolution writes with matched records: under a job's `success/` folder. */
export function isMatchOutputKey(key: string): boolean {
  return /(^|\/)success\/[^/]+$/.test(key) && !key.endsWith('/');
}

interface GroupState {
  readonly ids: string[];
  readonly rules: Map<string, number>;
  confidence: number | undefined;
}

/**
 * Collects the records of one or more output files: a job's records are
 * spread over several files, and the records of one MatchID may be too.
 */
export class MatchOutputCollector {
  private readonly idColumn: string;
  private readonly groups = new Map<string, GroupState>();
  private readonly groupOf = new Map<string, string>();
  private readonly rejected: RejectedRow[] = [];
  private rows = 0;

  constructor(options: ParseOptions = {}) {
    this.idColumn = (options.idColumn ?? PROFILE_ID_COLUMN).toLowerCase();
  }

  /**
   * Reads one file (its rows are rejected with `key` when given). Throws when
   * the header lacks the id or MatchID column: nothing in the file can be used.
   */
  async add(input: Readable | AsyncIterable<Uint8Array | string>, key?: string): Promise<void> {
    const rejected: RejectedRow[] = [];
    const reject = (line: number, reason: string) => rejected.push(key === undefined ? { line, reason } : { line, reason, key });
    const parser = parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        reject(typeof err?.lines === 'number' ? err.lines : 0, `unreadable CSV: ${err?.message ?? 'syntax error'}`);
        return undefined;
      },
    });
    const source = input instanceof Readable ? input : Readable.from(input);
    source.on('error', (err) => parser.destroy(err));
    source.pipe(parser);

    let header: string[] | undefined;
    let idAt = -1;
    let matchAt = -1;
    let ruleAt = -1;
    let confidenceAt = -1;
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = info.lines;
      if (header === undefined) {
        header = record.map((h) => h.trim().toLowerCase());
        idAt = header.indexOf(this.idColumn);
        matchAt = header.indexOf(MATCH_ID);
        ruleAt = header.indexOf(MATCH_RULE);
        confidenceAt = header.indexOf(CONFIDENCE);
        const missing = [idAt < 0 ? this.idColumn : undefined, matchAt < 0 ? 'MatchID' : undefined].filter((m) => m !== undefined);
        if (missing.length > 0) {
          source.destroy();
          throw new Error(`Entity Resolution output${key === undefined ? '' : ` ${key}`} has no ${missing.join(' or ')} column (header: ${record.join(',')})`);
        }
        continue;
      }
      this.rows++;
      if (record.length !== header.length) {
        reject(line, `expected ${header.length} fields, got ${record.length}`);
        continue;
      }
      const profileId = (record[idAt] ?? '').trim();
      const matchId = (record[matchAt] ?? '').trim();
      if (profileId === '') {
        reject(line, `no ${this.idColumn}`);
        continue;
      }
      if (matchId === '') {
        reject(line, `no MatchID for ${profileId}`);
        continue;
      }
      let confidence: number | undefined;
      const confidenceText = confidenceAt < 0 ? '' : (record[confidenceAt] ?? '').trim();
      if (confidenceText !== '') {
        confidence = Number(confidenceText);
        if (!Number.isFinite(confidence)) {
          reject(line, `ConfidenceLevel "${confidenceText}" of ${profileId} is not a number`);
          continue;
        }
      }
      const earlier = this.groupOf.get(profileId);
      if (earlier !== undefined && earlier !== matchId) {
        reject(line, `${profileId} is in MatchID ${earlier} and again in MatchID ${matchId}`);
        continue;
      }
      this.groupOf.set(profileId, matchId);
      let group = this.groups.get(matchId);
      if (group === undefined) {
        group = { ids: [], rules: new Map(), confidence: undefined };
        this.groups.set(matchId, group);
      }
      if (earlier === undefined) group.ids.push(profileId);
      const rule = ruleAt < 0 ? '' : (record[ruleAt] ?? '').trim();
      if (rule !== '') group.rules.set(rule, (group.rules.get(rule) ?? 0) + 1);
      if (confidence !== undefined) group.confidence = group.confidence === undefined ? confidence : Math.min(group.confidence, confidence);
    }
    // The parser reports unreadable records as it meets them, ahead of the records still queued.
    rejected.sort((a, b) => a.line - b.line);
    this.rejected.push(...rejected);
  }

  /** The sets of two or more distinct profiles so far, and every rejected row. */
  result(): MatchOutput {
    const groups: MatchGroup[] = [];
    for (const [matchId, group] of this.groups) {
      if (group.ids.length < 2) continue;
      const rule = mostCommon(group.rules);
      groups.push({
        matchId,
        profileIds: [...group.ids],
        ...(rule === undefined ? {} : { rule }),
        ...(group.confidence === undefined ? {} : { confidence: group.confidence }),
      });
    }
    return { groups, rejected: [...this.rejected], rows: this.rows };
  }
}

/** Parses one output file. Throws when the header lacks the id or MatchID column (nothing in it can be used). */
export async function parseMatchOutput(input: Readable | AsyncIterable<Uint8Array | string>, options: ParseOptions = {}): Promise<MatchOutput> {
  const collector = new MatchOutputCollector(options);
  await collector.add(input);
  return collector.result();
}

/** The rule most records carry; ties go to the first by name. */
function mostCommon(counts: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const [rule, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && rule < best)) {
      best = rule;
      bestCount = count;
    }
  }
  return best;
}

async function addObject(collector: MatchOutputCollector, s3: S3Client, bucket: string, key: string): Promise<void> {
  const { body } = await openObject(s3, bucket, key);
  if (!key.endsWith('.gz')) return collector.add(body, key);
  const gunzip = createGunzip();
  body.on('error', (err) => gunzip.destroy(err));
  return collector.add(body.pipe(gunzip), key);
}

/** Reads and parses one output object (gunzipped when its key ends in `.gz`). */
export async function readMatchOutput(s3: S3Client, bucket: string, key: string, options: ParseOptions = {}): Promise<MatchOutput> {
  const collector = new MatchOutputCollector(options);
  await addObject(collector, s3, bucket, key);
  const { rejected, ...rest } = collector.result();
  // One file: its rows need no key.
  return { ...rest, rejected: rejected.map(({ line, reason }) => ({ line, reason })) };
}

/** The `…/<jobId>/success/` folder of a results object, or undefined for any other key. */
export function successFolderOf(key: string): string | undefined {
  return isMatchOutputKey(key) ? key.slice(0, key.lastIndexOf('/') + 1) : undefined;
}

/**
 * Reads every results file of a job, the objects under its `success/` folder
 * (`folder`, see successFolderOf): a MatchID's records may be spread over
 * several files, so the groups are complete only across all of them. Run on
 * each new file, the run for the last one sees every file; applying groups
 * is idempotent, so the earlier, partial runs do no harm.
 */
export async function readJobMatchOutput(
  s3: S3Client,
  bucket: string,
  folder: string,
  options: ParseOptions = {},
): Promise<MatchOutput & { readonly keys: readonly string[] }> {
  if (!/\/success\/$/.test(folder)) throw new Error(`readJobMatchOutput: "${folder}" is not a job's success/ folder`);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: folder, ...(token === undefined ? {} : { ContinuationToken: token }) }));
    for (const object of page.Contents ?? []) if (object.Key !== undefined && isMatchOutputKey(object.Key)) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  keys.sort();
  const collector = new MatchOutputCollector(options);
  for (const key of keys) await addObject(collector, s3, bucket, key);
  return { ...collector.result(), keys };
}

/** Writes the apply step's JSON report of a job (replacing an earlier run's under the same key). */
export function matchReportWriter(s3: S3Client): (bucket: string, key: string, body: string) => Promise<void> {
  return async (bucket, key, body) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  };
}
