/**
 * The `redshift` store, through the Redshift Data API (workgroup and
 * database, IAM temporary credentials).
 *
 * What Redshift holds of a person is the streaming materialized view
 * `events_stream` (every event it ingested from Kinesis, kept after the
 * stream expires them) and the real-time views over it; Spectrum's `lake`
 * schema reads the curated exports in S3 (erased by the `curated` store) and
 * holds nothing itself. A streaming view cannot be DELETEd from, and only its
 * owner may drop it: the deploy-time SQL creates a procedure that drops it
 * (CASCADE) and replays the deploy's own statements over it
 * (lib/constructs/analytics/redshift-sql.ts recreateEventsStreamStatements),
 * and this eraser calls it. The new view reads the stream from its trim
 * horizon, so the person's events of the last retention window come back; the
 * report says so, with the time after which a second call leaves none of
 * them (the workflow makes it).
 *
 * No statement names the person: Redshift logs user activity, and a query
 * holding their values would be a copy.
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

export interface RedshiftEraserOptions {
  readonly workgroupName: string;
  readonly database: string;
  /** The owner's procedure that drops and re-creates the view (and the views over it); its OUT value is the row count before. */
  readonly procedure: string;
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
    this.clock = opts.clock ?? Date.now;
    this.sleep = opts.sleep ?? timer;
  }

  async erase(_subject: ErasureSubject): Promise<StoreReport> {
    const id = await this.run(`CALL ${this.opts.procedure}()`, 'erasure-recreate-events-stream');
    const result = await this.client.send(new GetStatementResultCommand({ Id: id }));
    const before = result.Records?.[0]?.[0]?.longValue ?? 0;
    const until = new Date(this.clock() + this.opts.streamRetentionHours * HOUR).toISOString();
    return {
      store: this.store,
      method: 'DROP and CREATE MATERIALIZED VIEW',
      status: 'erased',
      itemsAffected: before,
      completedAt: new Date(this.clock()).toISOString(),
      message:
        `${EVENTS_STREAM_VIEW} re-created from the stream (${before} rows before: every row older than the stream's retention is gone); ` +
        `the person's events of the last ${this.opts.streamRetentionHours} h were read again and remain until the view is re-created after ${until}; ` +
        'no native table holds events (Spectrum reads the curated exports, erased in S3)',
    };
  }

  /** Runs one statement and waits for it; returns its id. */
  private async run(sql: string, name: string): Promise<string> {
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
        throw new Error(`Redshift statement ${name} ${d.Status.toLowerCase()}: ${error}`);
      }
      if (this.clock() > deadline) throw new Error(`Redshift statement ${name} did not finish in time (${d.Status ?? 'unknown'})`);
      await this.sleep(this.opts.pollMs ?? 1000);
    }
  }
}
