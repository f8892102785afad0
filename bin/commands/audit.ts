/**
 * `c360 audit`: the local audit log (`<dataDir>/audit/`): who did what to
 * customer data, oldest first, optionally only some actions, from a time on,
 * or about one person.
 *
 * Subjects are keyed hashes, so `--subject` hashes what it is given with the
 * local key (`<dataDir>/keys/hash.key`) and matches the hashes: an
 * identifier (TYPE=VALUE, normalised as the consumer normalises it) by its
 * own hash, and, while the local runtime runs, the profile it belongs to and
 * every profile merged into it by theirs; a profile id by its hash.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ProfileClient } from '../../lambda/client/profile-client';
import { config } from '../../lambda/config/load';
import { FileAuditLog } from '../../lambda/governance/adapters/file-audit-log';
import { localHashKeyFile, localSubjectHasher } from '../../lambda/governance/adapters/local-hash-key';
import { AUDIT_ACTIONS, type AuditAction, type AuditRecord } from '../../lambda/governance/contracts/audit';
import type { SubjectHasher } from '../../lambda/governance/ports';
import { localDataDir } from '../../lambda/local/runtime-info';
import { normalizeIdentifier } from '../../lambda/shared/normalize';
import { localRuntimeInfo } from './local-runtime-info';

/** Whom `--subject` names: a profile id, or an identifier. */
export type SubjectKey = { readonly profileId: string } | { readonly type: string; readonly value: string };

export interface AuditCommandOptions {
  /** @default config.local.dataDir */
  readonly dataDir?: string;
  /** Where the listing goes. @default process.stdout */
  readonly write?: (text: string) => void;
  /** The hasher of a data dir's key; called only when the key file exists. @default the local key (local-hash-key.ts) */
  readonly hasher?: (dataDir: string) => Promise<SubjectHasher>;
  /**
   * The profile ids of the person a key names (the live profile and those merged into it), or
   * undefined when that cannot be known. @default the running local runtime's profile API
   */
  readonly resolve?: (key: SubjectKey, dataDir: string) => Promise<readonly string[] | undefined>;
}

interface AuditOptions {
  action?: AuditAction[];
  since?: string;
  subject?: string;
  json?: boolean;
  dataDir?: string;
}

const parseActions = (text: string): AuditAction[] => {
  const actions = text.split(',').map((a) => a.trim()).filter((a) => a !== '');
  const unknown = actions.filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a));
  if (actions.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`expected actions among ${AUDIT_ACTIONS.join(', ')}`);
  return actions as AuditAction[];
};

const parseSince = (text: string): string => {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('expected a date or time such as 2026-11-01 or 2026-11-01T12:00:00Z');
  return new Date(ms).toISOString();
};

function subjectKey(text: string): SubjectKey {
  const eq = text.indexOf('=');
  if (eq <= 0) return { profileId: text };
  const type = text.slice(0, eq);
  const value = normalizeIdentifier(type, text.slice(eq + 1), config.normalization.defaultPhoneRegion);
  // The message names the type only: the value is personal data.
  if (value === undefined) throw new InvalidArgumentError(`no ${type} can be read from the value given`);
  return { type, value };
}

/** The person's profiles, from the running local runtime; undefined when it is not running or does not know them. */
async function resolveWithRuntime(key: SubjectKey, dataDir: string): Promise<readonly string[] | undefined> {
  let apiUrl: string;
  try {
    apiUrl = (await localRuntimeInfo('', dataDir)).apiUrl;
  } catch {
    return undefined;
  }
  const client = new ProfileClient({ endpoint: apiUrl, sign: false });
  const found = 'profileId' in key ? await client.getProfile(key.profileId) : await client.findProfile(key.type, key.value);
  return found === undefined ? undefined : [found.profileId, ...found.mergedFrom];
}

/** The hashes a record's subject may carry for the person `key` names, and a note on how far the search reaches. */
async function subjectHashes(key: SubjectKey, dataDir: string, opts: AuditCommandOptions): Promise<{ hashes: Set<string>; note?: string }> {
  try {
    await access(localHashKeyFile(dataDir));
  } catch {
    return { hashes: new Set(), note: `no hash key at ${localHashKeyFile(dataDir)}: no record there can name anyone` };
  }
  const hasher = await (opts.hasher ?? localSubjectHasher)(dataDir);
  const hashes = new Set<string>();
  if ('profileId' in key) hashes.add(hasher.profile(key.profileId));
  else hashes.add(hasher.identifier({ type: key.type, value: key.value }));
  const profiles = await (opts.resolve ?? resolveWithRuntime)(key, dataDir);
  for (const id of profiles ?? []) hashes.add(hasher.profile(id));
  const note =
    profiles === undefined
      ? 'the person\'s profiles are not known (is the local runtime running?): only records naming exactly what was given are listed'
      : undefined;
  return note === undefined ? { hashes } : { hashes, note };
}

const formatDetail = (detail: AuditRecord['detail']) =>
  Object.entries(detail ?? {})
    .map(([k, v]) => `${k}=${v === null ? 'null' : String(v)}`)
    .join(' ');

/** One line per record: time, action, actor, subject (hash), detail as key=value. */
export function formatAuditRecords(records: readonly AuditRecord[]): string {
  const actionWidth = Math.max(0, ...records.map((r) => r.action.length));
  const actorWidth = Math.max(0, ...records.map((r) => r.actor.length));
  const lines = records.map((r) =>
    [r.at, r.action.padEnd(actionWidth), r.actor.padEnd(actorWidth), r.subject ?? '-', formatDetail(r.detail)].join('  ').trimEnd(),
  );
  return [...lines, `(${records.length} ${records.length === 1 ? 'record' : 'records'})`].join('\n');
}

export function registerAuditCommand(program: Command, options: AuditCommandOptions = {}): Command {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  return program
    .command('audit')
    .description('list the local audit log: merges, unmerges, consent changes, erasures, suppressions and exports, oldest first')
    .option('--action <actions>', `only these actions, comma-separated (${AUDIT_ACTIONS.join(', ')})`, parseActions)
    .option('--since <time>', 'only records from this date or time on (ISO-8601, UTC unless it says otherwise)', parseSince)
    .option('--subject <key>', 'only records about one person: TYPE=VALUE (e.g. email=ana@example.com) or a profile id')
    .option('--json', 'print the records as JSON lines')
    .option('--data-dir <dir>', 'state folder of the local runtime', options.dataDir ?? config.local.dataDir)
    .action(async (opts: AuditOptions) => {
      const dataDir = localDataDir(opts.dataDir ?? options.dataDir ?? config.local.dataDir);
      let subjects: Set<string> | undefined;
      const notes: string[] = [];
      if (opts.subject !== undefined) {
        const found = await subjectHashes(subjectKey(opts.subject), dataDir, options);
        subjects = found.hashes;
        if (found.note !== undefined) notes.push(found.note);
      }
      const log = new FileAuditLog(join(dataDir, 'audit'));
      const records: AuditRecord[] = [];
      const unreadable: string[] = [];
      for await (const line of log.read()) {
        if (line.record === undefined) {
          unreadable.push(`dt=${line.day} line ${line.line}: ${line.unreadable ?? 'unreadable'}`);
          continue;
        }
        const r = line.record;
        if (opts.action !== undefined && !opts.action.includes(r.action)) continue;
        if (opts.since !== undefined && Date.parse(r.at) < Date.parse(opts.since)) continue;
        if (subjects !== undefined && (r.subject === undefined || !subjects.has(r.subject))) continue;
        records.push(r);
      }
      if (unreadable.length > 0) notes.push(`${unreadable.length} lines could not be read:\n  ${unreadable.join('\n  ')}`);
      if (opts.json === true) write(records.map((r) => JSON.stringify(r) + '\n').join(''));
      else write(formatAuditRecords(records) + '\n');
      // Notes go with the listing only when it is for people: JSON lines stay parseable.
      if (opts.json !== true) for (const note of notes) write(`note: ${note}\n`);
      else for (const note of notes) process.stderr.write(`c360 audit: ${note}\n`);
    });
}
