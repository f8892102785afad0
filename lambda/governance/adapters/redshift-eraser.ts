/**
 * The `redshift` store, through the Redshift Data API (workgroup and
 * database, IAM temporary credentials).
 *
 * What Redshift holds of a person is the streaming materialized view
 * `events_stream` (every event it ingested from Kinesis, kept after the
 * stream expires them) and the real-time views over it; Spectrum's `lake`
 * schema reads the curated exports in S3 (erased by the `curated` store) and
 * holds nothing itself. A streaming view cannot be DELETEd from: it is
 * dropped (CASCADE: the views over it too) and created again with the
 * deployment's own statements (sql/redshift/). The new view reads the stream
 * from its trim horizon, so it holds only what the stream still retains: the
 * person's events of the last retention window come back, and stay in the
 * view after they leave the stream. The report says so, with the time after
 * which a second re-creation leaves none of them (the workflow runs it).
 *
 * No statement names the person: Redshift logs user activity, and a query
 * holding their values would be a copy. The rows counted are the view's
 * before and after.
 */
import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import type { ErasureSubject, StoreReport } from '../contracts/erasure';
import type { StoreEraser } from '../ports';

/** The streaming view (sql/redshift/020-events_stream.sql). */
export const EVENTS_STREAM_VIEW = 'events_stream';
export const DROP_EVENTS_STREAM = `DROP MATERIALIZED VIEW IF EXISTS ${EVENTS_STREAM_VIEW} CASCADE`;
export const COUNT_EVENTS_STREAM = `SELECT COUNT(*) FROM ${EVENTS_STREAM_VIEW}`;

export interface RedshiftEraserOptions {
  readonly workgroupName: string;
  readonly database: string;
  /**
   * What creates the view and the views over it again, in order, placeholders
   * filled (see `recreateStatements`), or a procedure call that does it.
   */
  readonly recreate: readonly string[];
  /**
   * A procedure the view's owner created that drops and re-creates it (and
   * the views over it), returning the row count before as its OUT value:
   * deployed, only the owner may drop the view. Without it, `recreate` runs.
   */
  readonly procedure?: string;
  /** Kinesis retention of the event stream, hours (the residual window). */
  readonly streamRetentionHours: number;
  /** Wait between DescribeStatement polls. @default 1000 ms */
  readonly pollMs?: number;
  /** Longest wait for one statement. @default 10 minutes */
  readonly statementTimeoutMs?: number;
  /** @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  readonly clock?: () => number;
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const HOUR = 3_600_000;

export class RedshiftEraser implements StoreEraser {
  readonly store = 'redshift';
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: RedshiftDataClient,
    private readonly opts: RedshiftEraserOptions,
  ) {
    if (opts.recreate.length === 0 && opts.procedure === undefined) throw new Error('RedshiftEraser: no statement re-creates the streaming view');
    this.clock = opts.clock ?? Date.now;
    this.sleep = opts.sleep ?? timer;
  }

  async erase(_subject: ErasureSubject): Promise<StoreReport> {
    let before: number | undefined;
    if (this.opts.procedure !== undefined) {
      // The deploy's procedure drops and re-creates the view as its owner; its OUT value is the row count before.
      const id = (await this.run(`CALL ${this.opts.procedure}()`, 'erasure-recreate-events-stream')) as string;
      before = await this.firstNumber(id);
    } else {
      before = await this.countRows();
      await this.run(DROP_EVENTS_STREAM, 'erasure-drop-events-stream');
      for (const [i, sql] of this.opts.recreate.entries()) await this.run(sql, `erasure-recreate-${i + 1}`);
    }
    const after = this.opts.procedure !== undefined ? 0 : ((await this.countRows()) ?? 0);
    const completedAt = new Date(this.clock()).toISOString();
    const until = new Date(this.clock() + this.opts.streamRetentionHours * HOUR).toISOString();
    const dropped = before === undefined ? 0 : Math.max(0, before - after);
    return {
      store: this.store,
      method: 'DROP and CREATE MATERIALIZED VIEW',
      status: 'erased',
      itemsAffected: dropped,
      completedAt,
      message:
        `${EVENTS_STREAM_VIEW} re-created from the stream (${before === undefined ? 'it did not exist' : `${before} rows before`}${this.opts.procedure === undefined ? `, ${after} after` : ''}: every row older than the stream's retention is gone); ` +
        `the person's events of the last ${this.opts.streamRetentionHours} h were read again and remain until the view is re-created after ${until}; ` +
        'no native table holds events (Spectrum reads the curated exports, erased in S3)',
    };
  }

  /** Rows of the view; undefined when it does not exist. */
  private async countRows(): Promise<number | undefined> {
    const id = await this.run(COUNT_EVENTS_STREAM, 'erasure-count-events-stream', { missingIsEmpty: true });
    if (id === undefined) return undefined;
    return this.firstNumber(id);
  }

  private async firstNumber(id: string): Promise<number> {
    const result = await this.client.send(new GetStatementResultCommand({ Id: id }));
    const cell = result.Records?.[0]?.[0];
    return cell?.longValue ?? 0;
  }

  /** Runs one statement and waits for it; returns its id (undefined: the view is missing and `missingIsEmpty`). */
  private async run(sql: string, name: string, opts: { missingIsEmpty?: boolean } = {}): Promise<string | undefined> {
    const { Id } = await this.client.send(
      new ExecuteStatementCommand({ WorkgroupName: this.opts.workgroupName, Database: this.opts.database, Sql: sql, StatementName: name }),
    );
    if (Id === undefined) throw new Error(`Redshift returned no statement id for ${name}`);
    const deadline = this.clock() + (this.opts.statementTimeoutMs ?? 10 * 60_000);
    for (;;) {
      const d = await this.client.send(new DescribeStatementCommand({ Id }));
      if (d.Status === 'FINISHED') return Id;
      if (d.Status === 'FAILED' || d.Status === 'ABORTED') {
        const error = d.Error ?? 'no error given';
        if (opts.missingIsEmpty === true && /does not exist/i.test(error)) return undefined;
        throw new Error(`Redshift statement ${name} ${d.Status.toLowerCase()}: ${error}`);
      }
      if (this.clock() > deadline) throw new Error(`Redshift statement ${name} did not finish in time (${d.Status ?? 'unknown'})`);
      await this.sleep(this.opts.pollMs ?? 1000);
    }
  }
}

export interface RecreateValues {
  readonly stream_name: string;
  /** `YES` when the view refreshes itself (analytics.redshift.streamingRefresh = auto). */
  readonly auto_refresh: 'YES' | 'NO';
}

/**
 * The deployment's statements that create the streaming view and the views
 * reading it, from the files of sql/redshift/ (name → text), in file order:
 * the `CREATE MATERIALIZED VIEW events_stream` and every `CREATE [OR REPLACE]
 * VIEW` that reads events_stream. Placeholders are filled from `values`; a
 * statement needing another placeholder is an error (the re-created view must
 * be the deployed one). Files holding procedure bodies (`$$`) are skipped: a
 * CASCADE drop leaves procedures in place.
 */
export function recreateStatements(files: Readonly<Record<string, string>>, values: RecreateValues): string[] {
  const out: string[] = [];
  for (const file of Object.keys(files).sort()) {
    const text = (files[file] as string).replace(/\r\n/g, '\n');
    if (text.includes('$$')) continue;
    const body = text
      .split('\n')
      .filter((line) => !/^\s*--/.test(line))
      .join('\n');
    for (const statement of body.split(/;\s*(?:\n|$)/)) {
      const sql = statement.trim();
      const createsStream = new RegExp(`^CREATE\\s+MATERIALIZED\\s+VIEW\\s+${EVENTS_STREAM_VIEW}\\b`, 'i').test(sql);
      const readsStream = /^CREATE\s+(OR\s+REPLACE\s+)?VIEW\b/i.test(sql) && new RegExp(`\\b${EVENTS_STREAM_VIEW}\\b`, 'i').test(sql);
      if (!createsStream && !readsStream) continue;
      out.push(
        sql.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, key: string) => {
          if (key !== 'stream_name' && key !== 'auto_refresh') throw new Error(`${file}: {{${key}}} is not known when re-creating the view`);
          return values[key];
        }),
      );
    }
  }
  if (!out.some((s) => /^CREATE\s+MATERIALIZED\s+VIEW/i.test(s))) throw new Error(`no file creates ${EVENTS_STREAM_VIEW}`);
  return out;
}
