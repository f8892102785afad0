/**
 * The local audit log: JSON lines (contracts/audit.ts encodeAuditLine) under
 * `<dir>/dt=<YYYY-MM-DD>/audit.jsonl`, the day being the one the records were
 * appended on, as Firehose partitions by the day it received them. Append
 * only: each call is one append of all its lines, so concurrent writers never
 * interleave inside a call, and nothing here rewrites or removes a line.
 */
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIT_LOCAL_FILE, auditPartition, decodeAuditLine, encodeAuditLine, type AuditRecord } from '../contracts/audit';
import type { AuditLog } from '../ports';

const PARTITION = /^dt=(\d{4}-\d{2}-\d{2})$/;

export interface AuditLogLine {
  /** Where it was read: the partition's day and the line number (1-based) in its file. */
  readonly day: string;
  readonly line: number;
  readonly record?: AuditRecord;
  /** Why the line could not be read (never the line itself: it may have been written by anyone). */
  readonly unreadable?: string;
}

export class FileAuditLog implements AuditLog {
  /**
   * @param dir the log's folder (locally `<dataDir>/audit`)
   * @param clock epoch ms: picks the day partition a call appends to
   */
  constructor(
    readonly dir: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async append(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const text = records.map((r) => encodeAuditLine(r) + '\n').join('');
    const folder = join(this.dir, auditPartition(new Date(this.clock())));
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await appendFile(join(folder, AUDIT_LOCAL_FILE), text, { encoding: 'utf8', mode: 0o600, flag: 'a' });
  }

  /** The days that have a partition, oldest first (`YYYY-MM-DD`). */
  async days(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.flatMap((n) => PARTITION.exec(n)?.[1] ?? []).sort();
  }

  /** Every line of the partitions from `sinceDay` (`YYYY-MM-DD`, inclusive) on, in append order. */
  async *read(sinceDay?: string): AsyncGenerator<AuditLogLine> {
    for (const day of await this.days()) {
      if (sinceDay !== undefined && day < sinceDay) continue;
      let text: string;
      try {
        text = await readFile(join(this.dir, `dt=${day}`, AUDIT_LOCAL_FILE), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] ?? '';
        if (line.trim() === '') continue;
        try {
          yield { day, line: i + 1, record: decodeAuditLine(line) };
        } catch (err) {
          yield { day, line: i + 1, unreadable: (err as Error).message };
        }
      }
    }
  }
}
