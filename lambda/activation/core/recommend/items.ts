/**
 * One row of an item catalog file (a CSV row by its header, or a JSON
 * line) → a catalog item: its id (`item_id`, or `itemId`) and the
 * attributes config.activation.recommendations.itemAttributes names, typed
 * as configured (numeric attributes parsed; categorical ones as text).
 * Columns the config does not name are left out: the catalog holds no
 * personal data, only what the config declared. A row without an id or
 * with a bad number is rejected with the reason.
 */
import type { CatalogItem } from '../../contracts/recommendations';
import { MAX_ITEM_ID_LENGTH } from '../interactions';

export type ItemAttributeTypes = Readonly<Record<string, 'categorical' | 'numeric'>>;

/** Personalize's categorical values are strings of at most 1,000 characters. */
export const MAX_CATEGORICAL_LENGTH = 1000;

export const ITEM_ID_COLUMNS = ['item_id', 'itemId'] as const;

export type ItemRowResult = { readonly ok: true; readonly item: CatalogItem } | { readonly ok: false; readonly reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function catalogItemOf(row: unknown, attributes: ItemAttributeTypes, updatedAt: string): ItemRowResult {
  if (!isObject(row)) return { ok: false, reason: 'a row must be an object of columns' };
  const rawId = ITEM_ID_COLUMNS.map((c) => row[c]).find((v) => v !== undefined && v !== null && v !== '');
  if (rawId === undefined) return { ok: false, reason: 'no item id: the item_id (or itemId) column is missing or empty' };
  if (typeof rawId !== 'string' && typeof rawId !== 'number') return { ok: false, reason: 'item_id must be text or a number' };
  const itemId = String(rawId).trim();
  if (itemId === '') return { ok: false, reason: 'no item id: the item_id (or itemId) column is blank' };
  if (itemId.length > MAX_ITEM_ID_LENGTH) return { ok: false, reason: `item_id is longer than ${MAX_ITEM_ID_LENGTH} characters` };

  const out: Record<string, string | number> = {};
  for (const [name, type] of Object.entries(attributes)) {
    const raw = row[name];
    if (raw === undefined || raw === null || raw === '') continue;
    if (type === 'numeric') {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : Number.NaN;
      if (!Number.isFinite(n)) return { ok: false, reason: `${name} must be a number; got ${JSON.stringify(raw).slice(0, 40)}` };
      out[name] = n;
    } else {
      if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') return { ok: false, reason: `${name} must be text` };
      const text = String(raw).trim();
      if (text.length > MAX_CATEGORICAL_LENGTH) return { ok: false, reason: `${name} is longer than ${MAX_CATEGORICAL_LENGTH} characters` };
      if (text !== '') out[name] = text;
    }
  }
  return { ok: true, item: { itemId, attributes: out, updatedAt } };
}
