/**
 * Lines of an import's rejects file: each rejected row as it was read, with
 * its line and the reason, in the input's format. A CSV rejects file keeps the
 * input's delimiter and columns, so once fixed it can be dropped back into
 * `landing/<source>/` (`_line` and `_reason` are not mapped).
 */
import { stringify } from 'csv-stringify/sync';
import type { ParsedRow } from './file-rows';

const csvLine = (fields: readonly string[], delimiter: string): string => stringify([fields], { delimiter });

/** The CSV rejects file's header: the input's columns, `_line`, `_reason` (nothing before the input's header is known). */
export function csvRejectsHeader(header: readonly string[] | undefined, delimiter: string): string {
  return header === undefined ? '' : csvLine([...header, '_line', '_reason'], delimiter);
}

/**
 * A rejected CSV row, aligned to the header's columns: a row with too many
 * fields keeps the first ones (its reason says how many it had).
 */
export function csvRejectLine(row: ParsedRow, header: readonly string[] | undefined, reason: string, delimiter: string): string {
  const width = header?.length ?? 0;
  const fields = Array.from({ length: width }, (_, i) => row.fields?.[i] ?? '');
  return csvLine([...fields, String(row.line), reason], delimiter);
}

/** A rejected JSON line: the object with `_line` and `_reason` added, or, when it is no object, its text as `_raw`. */
export function jsonRejectLine(row: ParsedRow, reason: string): string {
  let original: unknown;
  try {
    original = row.text === undefined ? undefined : JSON.parse(row.text);
  } catch {
    original = undefined;
  }
  const line =
    typeof original === 'object' && original !== null && !Array.isArray(original)
      ? { ...original, _line: row.line, _reason: reason }
      : { _line: row.line, _reason: reason, _raw: row.text ?? '' };
  return JSON.stringify(line) + '\n';
}
