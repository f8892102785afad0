/**
 * The local runtime's delivery: one JSON line per message under
 * `<dir>/<YYYY-MM-DD>.jsonl` (UTC date of the line), for all three
 * channels. A line holds the message id (also the provider message id), the
 * campaign, the profile, the channel, the address MASKED (j***@example.com,
 * +1******1234), the rendered content and every rule outcome (the
 * MessageRecord). Messages the rules stopped (suppressed, no consent, held
 * out, capped, deferred, failed) are written too, with `delivered: false`,
 * so the outbox shows every decision.
 *
 * Read back by the dashboard and `c360 outbox` (list, find), and rewritten
 * by the erasure (remove).
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Channel } from '../../config/activation';
import type { MessageRecord, MessageStatus, RenderedContent, RuleOutcome } from '../contracts/messages';
import type { Deliverer, DeliveryResult, OutgoingMessage } from '../ports';

export interface OutboxEntry {
  /** The message id (the provider message id of a delivered one). */
  readonly id: string;
  /** When the line was written, ISO-8601. */
  readonly at: string;
  readonly campaign: string;
  readonly profileId: string;
  readonly channel: Channel;
  readonly messageKey: string;
  readonly status: MessageStatus;
  /** True: handed to the channel. False: the rules stopped it, or it failed (see outcomes). */
  readonly delivered: boolean;
  /** The address, masked. */
  readonly to?: string;
  readonly addressType?: string;
  readonly content?: RenderedContent;
  readonly unsubscribeUrl?: string;
  readonly outcomes: readonly RuleOutcome[];
  readonly record: MessageRecord;
}

export interface OutboxListOptions {
  readonly profileId?: string;
  /** Most entries returned (newest first). */
  readonly limit?: number;
}

/** `j***@example.com`. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}

/** `+1******1234`: the country code's first digit and the last four. */
export function maskPhone(address: string): string {
  if (address.length < 8) return `${'*'.repeat(Math.max(0, address.length - 2))}${address.slice(-2)}`;
  return `${address.slice(0, 2)}${'*'.repeat(address.length - 6)}${address.slice(-4)}`;
}

/** A device token: its first and last four characters. */
export function maskToken(address: string): string {
  return address.length <= 12 ? '****' : `${address.slice(0, 4)}…${address.slice(-4)}`;
}

export function maskAddress(channel: Channel, address: string): string {
  return channel === 'email' ? maskEmail(address) : channel === 'sms' ? maskPhone(address) : maskToken(address);
}

const FILE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;

export interface FileOutboxOptions {
  readonly clock?: () => number;
  readonly newId?: () => string;
}

export class FileOutbox {
  private readonly clock: () => number;
  private readonly newId: () => string;
  /** Writes and rewrites one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    opts: FileOutboxOptions = {},
  ) {
    this.clock = opts.clock ?? Date.now;
    this.newId = opts.newId ?? randomUUID;
  }

  /** The channel's deliverer: each message becomes a `delivered: true` line. */
  deliverer(channel: Channel): Deliverer {
    return {
      channel,
      send: async (message: OutgoingMessage): Promise<DeliveryResult> => {
        if (message.record.channel !== channel) throw new Error(`a ${message.record.channel} message handed to the ${channel} outbox`);
        const id = this.newId();
        const at = new Date(this.clock()).toISOString();
        const record: MessageRecord = { ...message.record, status: 'sent', content: message.content, sentAt: at, providerMessageId: id };
        await this.append({
          ...this.base(id, at, record),
          delivered: true,
          to: maskAddress(channel, message.address),
          content: message.content,
          ...(message.unsubscribeUrl === undefined ? {} : { unsubscribeUrl: message.unsubscribeUrl }),
        });
        return { providerMessageId: id };
      },
    };
  }

  /** A message that did not go out (MessageObserver of the campaign use case): a `delivered: false` line with its outcomes. */
  async recorded(record: MessageRecord): Promise<void> {
    const id = this.newId();
    await this.append({ ...this.base(id, new Date(this.clock()).toISOString(), record), delivered: false, ...(record.content === undefined ? {} : { content: record.content }) });
  }

  private base(id: string, at: string, record: MessageRecord): Omit<OutboxEntry, 'delivered'> {
    return {
      id,
      at,
      campaign: record.campaign,
      profileId: record.profileId,
      channel: record.channel,
      messageKey: record.key,
      status: record.status,
      ...(record.addressType === undefined ? {} : { addressType: record.addressType }),
      outcomes: record.outcomes,
      record,
    };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private append(entry: OutboxEntry): Promise<void> {
    return this.serial(async () => {
      await mkdir(this.dir, { recursive: true });
      await appendFile(join(this.dir, `${entry.at.slice(0, 10)}.jsonl`), `${JSON.stringify(entry)}\n`, 'utf8');
    });
  }

  /** The outbox files, newest day first. */
  private async files(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return names.filter((n) => FILE.test(n)).sort().reverse();
  }

  private async lines(file: string): Promise<string[]> {
    try {
      return (await readFile(join(this.dir, file), 'utf8')).split('\n').filter((l) => l.trim() !== '');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /** Entries, newest first (a line that is not an entry is skipped). */
  async list(opts: OutboxListOptions = {}): Promise<OutboxEntry[]> {
    const limit = opts.limit ?? 100;
    const out: OutboxEntry[] = [];
    for (const file of await this.files()) {
      const lines = await this.lines(file);
      for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
        const entry = parseEntry(lines[i] as string);
        if (entry !== undefined && (opts.profileId === undefined || entry.profileId === opts.profileId)) out.push(entry);
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  async find(id: string): Promise<OutboxEntry | undefined> {
    for (const file of await this.files()) {
      for (const line of await this.lines(file)) {
        const entry = parseEntry(line);
        if (entry?.id === id) return entry;
      }
    }
    return undefined;
  }

  /** Rewrites the files without these profiles' lines (the erasure); the count of lines removed. */
  remove(profileIds: readonly string[]): Promise<number> {
    const ids = new Set(profileIds);
    return this.serial(async () => {
      let removed = 0;
      for (const file of await this.files()) {
        const lines = await this.lines(file);
        const kept = lines.filter((line) => {
          const entry = parseEntry(line);
          return entry === undefined || !ids.has(entry.profileId);
        });
        if (kept.length === lines.length) continue;
        removed += lines.length - kept.length;
        const path = join(this.dir, file);
        const tmp = `${path}.${randomUUID()}.tmp`;
        await writeFile(tmp, kept.map((l) => `${l}\n`).join(''), 'utf8');
        await rename(tmp, path);
      }
      return removed;
    });
  }
}

function parseEntry(line: string): OutboxEntry | undefined {
  try {
    const v = JSON.parse(line) as Partial<OutboxEntry> | null;
    return v !== null && typeof v === 'object' && typeof v.id === 'string' && typeof v.profileId === 'string' ? (v as OutboxEntry) : undefined;
  } catch {
    return undefined;
  }
}
