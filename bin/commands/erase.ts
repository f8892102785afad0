/**
 * `c360 erase`: the right to erasure against the running local runtime,
 * through its privacy API (`POST /privacy/erasures`), and the receipt.
 *
 *   c360 erase email=alice@example.com [--reason TEXT]   one person, by any configured identifier type
 *   c360 erase --profile <id>                            one person, by profile id
 *   c360 erase --file requests.csv                       a batch: columns type,value or profile_id (one request per row)
 *   c360 erase --receipt <id>   (or c360 erasure <id>)   show a receipt
 *
 * The runtime erases before answering, so the receipt printed is the final
 * one: each store's method, items and files affected, and what remains for
 * a bounded time. Identifiers are never printed: the receipt holds keyed hashes.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { config as appConfig } from '../../lambda/config/load';
import type { C360Config } from '../../lambda/config';
import type { ErasureReceipt } from '../../lambda/governance/contracts/erasure';
import { localRuntimeInfo } from './local-runtime-info';

type Target = { identifier: { type: string; value: string } } | { profileId: string };

/** The receipt as the command prints it. */
export function formatReceipt(r: ErasureReceipt): string {
  const lines = [
    `erasure ${r.requestId}: ${r.status}`,
    `  requested ${r.requestedAt} by ${r.requestedBy}${r.reason === undefined ? '' : ` (${r.reason})`}${r.completedAt === undefined ? '' : `, completed ${r.completedAt}`}`,
    `  subject   ${r.subject} (keyed hash): ${r.profiles} profiles, ${r.identifiers} identifiers, ${r.suppressed} suppressed`,
    '  stores',
  ];
  for (const s of r.stores) {
    const objects = s.objectsAffected === undefined ? '' : `, ${s.objectsAffected} files`;
    lines.push(`    ${s.store.padEnd(15)} ${s.status.padEnd(13)} ${String(s.itemsAffected).padStart(6)} items${objects}  ${s.method}${s.message === undefined ? '' : `: ${s.message}`}`);
  }
  if (r.residuals.length > 0) {
    lines.push('  remains for a bounded time');
    for (const x of r.residuals) lines.push(`    ${x.where} until ${x.until}: ${x.why}`);
  }
  return lines.join('\n');
}

/** `type=value` → the target; undefined when it is not of that form. */
export function parseTargetArgument(arg: string): Target | undefined {
  const at = arg.indexOf('=');
  if (at <= 0 || at === arg.length - 1) return undefined;
  return { identifier: { type: arg.slice(0, at).trim(), value: arg.slice(at + 1) } };
}

/** The requests of a CSV file: columns `type,value` or `profile_id` (with a header). */
export function parseRequestsCsv(text: string): Array<{ line: number; target?: Target; problem?: string }> {
  const rows = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, bom: true, trim: true, info: true }) as Array<{
    record: Record<string, string | undefined>;
    info: { lines: number };
  }>;
  return rows.map(({ record, info }) => {
    const profileId = record.profile_id;
    if (profileId !== undefined && profileId !== '') return { line: info.lines, target: { profileId } };
    if (record.type !== undefined && record.type !== '' && record.value !== undefined && record.value !== '') {
      return { line: info.lines, target: { identifier: { type: record.type, value: record.value } } };
    }
    return { line: info.lines, problem: 'needs type and value, or profile_id' };
  });
}

async function api(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function erase(base: string, target: Target, reason: string | undefined) {
  return api(base, '/privacy/erasures', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...target, ...(reason === undefined ? {} : { reason }) }),
  });
}

async function receipt(base: string, id: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return api(base, `/privacy/erasures/${encodeURIComponent(id)}`);
}

export function registerEraseCommands(program: Command, config: C360Config = appConfig, write: (s: string) => void = (s) => process.stdout.write(s)): void {
  const baseUrl = async (opts: { api?: string }) =>
    opts.api ?? (await localRuntimeInfo('pass --api with the URL of a running one', config.local.dataDir)).apiUrl;
  const showReceipt = async (cmd: Command, base: string, id: string) => {
    const got = await receipt(base, id);
    if (got.status !== 200) return cmd.error(`error: ${String(got.body.message ?? `receipt ${id}: HTTP ${got.status}`)}`, { exitCode: 1, code: 'c360.erase.receipt' });
    write(formatReceipt(got.body as unknown as ErasureReceipt) + '\n');
  };

  program
    .command('erase')
    .description('erase a person from every store of the local runtime (the right to erasure), suppress their identifiers and print the receipt')
    .argument('[type=value]', `an identifier of the person (types: ${config.unification.identity.identifiers.join(', ')}), e.g. email=alice@example.com`)
    .option('--profile <id>', 'the person by profile id')
    .option('--file <csv>', 'a CSV of requests: columns type,value or profile_id')
    .option('--reason <text>', 'why (ticket number, legal basis): kept on the receipt')
    .option('--receipt <id>', 'show the receipt of an earlier request instead')
    .option('--api <url>', 'the runtime\'s URL (default: the running local runtime)')
    .action(async function (this: Command, arg: string | undefined, opts: { profile?: string; file?: string; reason?: string; receipt?: string; api?: string }) {
      const chosen = [arg !== undefined, opts.profile !== undefined, opts.file !== undefined, opts.receipt !== undefined].filter(Boolean).length;
      if (chosen !== 1) {
        return this.error('error: name one person (type=value or --profile ID), or pass --file CSV, or --receipt ID', { exitCode: 2, code: 'c360.erase.usage' });
      }
      const base = await baseUrl(opts).catch((err: Error) => this.error(`error: ${err.message}`, { exitCode: 1, code: 'c360.erase.runtime' }));
      if (opts.receipt !== undefined) return showReceipt(this, base, opts.receipt);

      if (opts.file !== undefined) {
        const text = await readFile(opts.file, 'utf8').catch(() => this.error(`error: cannot read ${opts.file}`, { exitCode: 2, code: 'c360.erase.file' }));
        let failed = 0;
        let done = 0;
        for (const row of parseRequestsCsv(text)) {
          if (row.target === undefined) {
            failed++;
            write(`line ${row.line}: skipped: ${row.problem ?? 'unreadable'}\n`);
            continue;
          }
          const out = await erase(base, row.target, opts.reason);
          if (out.status !== 202) {
            failed++;
            write(`line ${row.line}: refused: ${String(out.body.message ?? `HTTP ${out.status}`)}\n`);
            continue;
          }
          done++;
          write(`line ${row.line}: erasure ${String(out.body.requestId)} ${String(out.body.status)}\n`);
        }
        write(`${done} erasures, ${failed} requests refused or skipped; show one with: c360 erasure <id>\n`);
        if (failed > 0) process.exitCode = 1;
        return;
      }

      let target: Target;
      if (opts.profile !== undefined) target = { profileId: opts.profile };
      else {
        const parsed = parseTargetArgument(arg as string);
        if (parsed === undefined) return this.error('error: name the person as type=value, e.g. email=alice@example.com', { exitCode: 2, code: 'c360.erase.usage' });
        target = parsed;
      }
      const out = await erase(base, target, opts.reason);
      if (out.status !== 202) return this.error(`error: ${String(out.body.message ?? `HTTP ${out.status}`)}`, { exitCode: 2, code: 'c360.erase.refused' });
      await showReceipt(this, base, String(out.body.requestId));
    });

  program
    .command('erasure')
    .description('show the receipt of an erasure request')
    .argument('<id>', 'the request id c360 erase printed')
    .option('--api <url>', 'the runtime\'s URL (default: the running local runtime)')
    .action(async function (this: Command, id: string, opts: { api?: string }) {
      const base = await baseUrl(opts).catch((err: Error) => this.error(`error: ${err.message}`, { exitCode: 1, code: 'c360.erase.runtime' }));
      await showReceipt(this, base, id);
    });
}
