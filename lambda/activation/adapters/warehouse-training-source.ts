/**
 * The propensity job's TrainingSource over any Warehouse (the analytics
 * pillar's query port: Athena deployed, DuckDB locally). It reads two views,
 * defined once under `sql/activation/` in the SQL both engines speak:
 * `propensity_events` (every event of a resolved profile, one row each) and
 * `propensity_addresses` (each profile's userId and anonymousId).
 *
 * Deployed, the views exist in the Glue database (created at deploy from
 * the same files) and are read by name. Locally the warehouse defines only
 * the shipped analytics views, so the source is given the files' text and
 * inlines each view as a WITH clause of its query.
 *
 * Only the events of profiles with at least one order (the configured
 * order event) are read, in one pass over the events: the propensity
 * population is the existing customers. The addresses are read for every
 * profile (the identity graph, not the events) and kept for the customers.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isViewFile, parseViewFiles, type ShippedView } from '../../analytics/contracts/views';
import type { Row, Warehouse } from '../../analytics/ports';
import { PROPENSITY_SQL_DIR, type ProfileTimeline, type TimelineEvent, type TrainingSource } from '../contracts/propensity';

/** The folder of the propensity views, relative to the repository root. */
export const PROPENSITY_EVENTS_VIEW = 'propensity_events';
export const PROPENSITY_ADDRESSES_VIEW = 'propensity_addresses';

/** The propensity views' files (default: the repository's `sql/activation/`), parsed, in creation order. */
export async function readPropensityViews(dir: string = fileURLToPath(new URL(`../../../${PROPENSITY_SQL_DIR}/`, import.meta.url))): Promise<ShippedView[]> {
  const names = (await readdir(dir)).filter(isViewFile);
  const files: Record<string, string> = {};
  for (const name of names) files[name] = await readFile(join(dir, name), 'utf8');
  const views = parseViewFiles(files);
  for (const needed of [PROPENSITY_EVENTS_VIEW, PROPENSITY_ADDRESSES_VIEW]) {
    if (!views.some((v) => v.name === needed)) throw new Error(`${PROPENSITY_SQL_DIR}: no view file defines ${needed}`);
  }
  return views;
}

export interface WarehouseTrainingSourceOptions {
  /** The order event (config.activation.propensity.orderEvent). */
  readonly orderEvent: string;
  /** The views' definitions, to inline (a warehouse that does not hold them); without them the views are read by name. */
  readonly views?: readonly ShippedView[];
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const VIEW_HEAD = /^\s*CREATE\s+OR\s+REPLACE\s+VIEW\s+[A-Za-z_][A-Za-z0-9_]*\s+AS\s+/i;

/** The text of a view's SELECT (the statement without its `CREATE OR REPLACE VIEW … AS`). */
export function selectOfView(view: ShippedView): string {
  return view.sql.replace(VIEW_HEAD, '');
}

/** A value as a finite number, or undefined when null; throws on anything else. */
function numberOr(row: Row, column: string): number | undefined {
  const v = row[column];
  if (v === null || v === undefined) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`${PROPENSITY_EVENTS_VIEW}: column ${column} is not a number`);
  return n;
}

function text(row: Row, column: string, view: string): string {
  const v = row[column];
  if (typeof v !== 'string' || v === '') throw new Error(`${view}: column ${column} is not text`);
  return v;
}

export class WarehouseTrainingSource implements TrainingSource {
  constructor(
    private readonly warehouse: Pick<Warehouse, 'query'>,
    private readonly opts: WarehouseTrainingSourceOptions,
  ) {}

  /** The views' definitions as a `WITH` clause, when given, for a query to read them by name. */
  private with(): string {
    const views = this.opts.views ?? [];
    return views.length === 0 ? '' : `WITH ${views.map((v) => `${v.name} AS (\n${selectOfView(v)}\n)`).join(',\n')}\n`;
  }

  /** The statement reading the customers' events: one pass over the events, keeping the profiles with an order. */
  eventsSql(): string {
    return (
      this.with() +
      `SELECT profile_id, at_ms, name, channel, revenue, csat FROM (\n` +
      `  SELECT e.*, max(CASE WHEN e.name = ${literal(this.opts.orderEvent)} THEN 1 ELSE 0 END) OVER (PARTITION BY e.profile_id) AS has_order\n` +
      `  FROM ${PROPENSITY_EVENTS_VIEW} e\n` +
      `) customers WHERE has_order = 1`
    );
  }

  /** The statement reading every profile's address (the identity graph only; the timelines keep the customers'). */
  addressesSql(): string {
    return `${this.with()}SELECT profile_id, user_id, anonymous_id FROM ${PROPENSITY_ADDRESSES_VIEW}`;
  }

  async timelines(): Promise<ProfileTimeline[]> {
    const eventRows = await this.warehouse.query(this.eventsSql());
    const addressRows = await this.warehouse.query(this.addressesSql());
    const events = new Map<string, TimelineEvent[]>();
    for (const row of eventRows) {
      const profileId = text(row, 'profile_id', PROPENSITY_EVENTS_VIEW);
      const at = numberOr(row, 'at_ms');
      if (at === undefined) throw new Error(`${PROPENSITY_EVENTS_VIEW}: column at_ms is null`);
      const channel = row.channel;
      const revenue = numberOr(row, 'revenue');
      const csat = numberOr(row, 'csat');
      const event: TimelineEvent = {
        at,
        name: text(row, 'name', PROPENSITY_EVENTS_VIEW),
        ...(typeof channel === 'string' && channel !== '' ? { channel } : {}),
        ...(revenue === undefined ? {} : { revenue }),
        ...(csat === undefined ? {} : { csat }),
      };
      const list = events.get(profileId);
      if (list === undefined) events.set(profileId, [event]);
      else list.push(event);
    }
    const addresses = new Map<string, ProfileTimeline['address']>();
    for (const row of addressRows) {
      const profileId = text(row, 'profile_id', PROPENSITY_ADDRESSES_VIEW);
      const userId = row.user_id;
      const anonymousId = row.anonymous_id;
      addresses.set(profileId, {
        ...(typeof userId === 'string' && userId !== '' ? { userId } : {}),
        ...(typeof anonymousId === 'string' && anonymousId !== '' ? { anonymousId } : {}),
      });
    }
    return [...events.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([profileId, list]) => ({
        profileId,
        address: addresses.get(profileId) ?? {},
        events: list.sort((a, b) => a.at - b.at || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      }));
  }
}
