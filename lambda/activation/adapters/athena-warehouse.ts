/**
 * The analytics pillar's Warehouse query port over Athena: each statement
 * is started with StartQueryExecution in the workgroup (its enforced result
 * location and encryption apply) with the Glue database as default, polled
 * with GetQueryExecution until it ends, and its rows read page by page with
 * GetQueryResults. Values come back typed from the result's column types
 * (numbers, booleans, timestamps as ISO-8601 text, the rest as text), as the
 * local DuckDB warehouse gives them.
 *
 * Several statements separated by `;` run one after another; the rows are
 * the last one's. A statement that fails or is cancelled rejects with
 * Athena's reason; one still running when the caller's time runs out
 * rejects saying so, instead of being cut off without a reason.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type Datum,
} from '@aws-sdk/client-athena';
import type { Row, Warehouse } from '../../analytics/ports';
import type { ShippedView } from '../../analytics/contracts/views';

export interface AthenaWarehouseOptions {
  readonly workGroup: string;
  readonly database: string;
  /** Milliseconds between status reads. @default 1000 */
  readonly pollIntervalMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Milliseconds left to the caller (a Lambda function's remaining time). @default - no limit */
  readonly remainingTimeMs?: () => number;
  /** Kept free at the end of the remaining time. @default 10000 */
  readonly marginMs?: number;
  /** Rows per GetQueryResults page (at most 1000). @default 1000 */
  readonly pageSize?: number;
}

/** A statement that did not succeed: Athena's state and reason, and the query execution id (never the SQL text). */
export class AthenaQueryError extends Error {
  constructor(
    public readonly queryExecutionId: string,
    public readonly state: string,
    public readonly reason: string,
  ) {
    super(`Athena query ${queryExecutionId} ${state}: ${reason}`);
    this.name = 'AthenaQueryError';
  }
}

/** Splits SQL at the `;` outside quotes and `--` comments; empty pieces are dropped. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i] as string;
    if (quote !== undefined) {
      current += c;
      if (c === quote) {
        // A doubled quote is an escaped one.
        if (sql[i + 1] === quote) {
          current += quote;
          i++;
        } else quote = undefined;
      }
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      current += sql.slice(i, stop);
      i = stop - 1;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    if (c === ';') {
      out.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s.length > 0 && !/^(--[^\n]*\n?\s*)+$/.test(s));
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES = new Set(['double', 'float', 'real', 'decimal']);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Athena's text of a value, typed by its column type. */
export function athenaValue(text: string | undefined, type: string | undefined): unknown {
  if (text === undefined) return null;
  const t = (type ?? 'varchar').toLowerCase().replace(/\(.*$/, '').trim();
  if (t === 'boolean') return text === 'true';
  if (INTEGER_TYPES.has(t)) {
    if (!/^-?\d+$/.test(text)) return text;
    const n = BigInt(text);
    return n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : text;
  }
  if (FLOAT_TYPES.has(t)) {
    const n = Number(text);
    return text === 'NaN' || Number.isFinite(n) ? n : text;
  }
  if (t === 'timestamp' || t === 'timestamp with time zone') {
    // `2026-11-02 10:10:00.000` (UTC, the session zone) or `2026-11-02 10:10:00.000 UTC`.
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?: UTC| Z|Z)?$/.exec(text);
    if (m === null) return text;
    const ms = Date.parse(`${m[1]}T${m[2]}Z`);
    return Number.isNaN(ms) ? text : new Date(ms).toISOString();
  }
  return text;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AthenaWarehouse implements Warehouse {
  /** The shipped views live in the Glue database; this port only runs queries. */
  readonly views: readonly ShippedView[] = [];

  constructor(
    private readonly client: AthenaClient,
    private readonly opts: AthenaWarehouseOptions,
  ) {}

  async query(sql: string): Promise<Row[]> {
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new Error('no SQL statement to run');
    let rows: Row[] = [];
    for (const statement of statements) rows = await this.run(statement);
    return rows;
  }

  async close(): Promise<void> {}

  private async run(sql: string): Promise<Row[]> {
    const started = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.opts.workGroup,
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: this.opts.database },
      }),
    );
    const id = started.QueryExecutionId;
    if (id === undefined) throw new Error('Athena StartQueryExecution returned no QueryExecutionId');
    const statementType = await this.wait(id);
    return this.results(id, statementType);
  }

  /** Polls until the query ends; its statement type (DML results start with a header row). */
  private async wait(id: string): Promise<string | undefined> {
    const interval = this.opts.pollIntervalMs ?? 1000;
    const margin = this.opts.marginMs ?? 10_000;
    const sleep = this.opts.sleep ?? defaultSleep;
    for (;;) {
      const response = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const status = response.QueryExecution?.Status;
      const state = status?.State;
      if (state === 'SUCCEEDED') return response.QueryExecution?.StatementType;
      if (state === 'FAILED' || state === 'CANCELLED') throw new AthenaQueryError(id, state, status?.StateChangeReason ?? 'Athena gave no reason');
      if (state !== 'QUEUED' && state !== 'RUNNING') throw new AthenaQueryError(id, String(state), 'unexpected query state');
      if (this.opts.remainingTimeMs !== undefined && this.opts.remainingTimeMs() < interval + margin) {
        throw new AthenaQueryError(id, 'TIMED_OUT', `still ${state} when the time to answer ran out`);
      }
      await sleep(interval);
    }
  }

  private async results(id: string, statementType: string | undefined): Promise<Row[]> {
    const rows: Row[] = [];
    let columns: ColumnInfo[] | undefined;
    let next: string | undefined;
    let first = true;
    do {
      const page = await this.client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: this.opts.pageSize ?? 1000, ...(next === undefined ? {} : { NextToken: next }) }),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data = page.ResultSet?.Rows ?? [];
      // A SELECT's first row holds the column names.
      const skip = first && statementType === 'DML' ? 1 : 0;
      for (const r of data.slice(skip)) rows.push(toRow(columns, r.Data ?? []));
      first = false;
      next = page.NextToken;
    } while (next !== undefined);
    return rows;
  }
}

function toRow(columns: readonly ColumnInfo[], data: readonly Datum[]): Row {
  const row: Record<string, unknown> = {};
  columns.forEach((c, i) => {
    row[c.Name ?? `_col${i}`] = athenaValue(data[i]?.VarCharValue, c.Type);
  });
  return row;
}
