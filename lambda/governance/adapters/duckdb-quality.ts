/** The quality warehouse locally: the analytics pillar's DuckDB warehouse over the local lake and curated zone. */
import type { Row, Warehouse } from '../../analytics/ports';
import type { QualityTableName } from '../contracts/quality-dqdl';
import type { Measurement, QualityWarehouse, QuarantineReason } from '../quality-ports';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

const numberOrNull = (value: unknown, what: string): number | null => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  // BIGINT beyond 2^53 comes as text: a count that large is still a count.
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  throw new Error(`${what} is not a number: ${typeof value}`);
};

export class DuckDbQualityWarehouse implements QualityWarehouse {
  constructor(private readonly warehouse: Pick<Warehouse, 'query'>) {}

  async latestPartition(table: QualityTableName, column: string): Promise<string | undefined> {
    const rows = await this.warehouse.query(`SELECT max(${ident(column)}) AS latest FROM ${ident(table)}`);
    const latest = rows[0]?.latest;
    return typeof latest === 'string' && latest.length > 0 ? latest : undefined;
  }

  async measure(sql: string): Promise<Measurement> {
    const row: Row | undefined = (await this.warehouse.query(sql))[0];
    if (row === undefined) throw new Error('the rule\'s query returned no row');
    return { rows: numberOrNull(row.rows, 'rows'), observed: numberOrNull(row.observed, 'the observed value') };
  }

  async quarantineByReason(sql: string): Promise<QuarantineReason[]> {
    return (await this.warehouse.query(sql)).map((r) => ({
      source: String(r.source),
      reason: r.reason === null || r.reason === undefined ? null : String(r.reason),
      records: numberOrNull(r.records, 'records') ?? 0,
      share: numberOrNull(r.share, 'share') ?? 0,
    }));
  }
}
