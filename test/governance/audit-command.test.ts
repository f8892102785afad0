import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerAuditCommand, type AuditCommandOptions, type SubjectKey } from '../../bin/commands/audit';
import { FileAuditLog } from '../../lambda/governance/adapters/file-audit-log';
import { localHashKeyFile, localSubjectHasher } from '../../lambda/governance/adapters/local-hash-key';
import type { AuditRecord } from '../../lambda/governance/contracts/audit';
import type { SubjectHasher } from '../../lambda/governance/ports';
import { runCommand } from '../support/cli';

let dataDir: string;
let hasher: SubjectHasher;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'c360-audit-cli-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** The local log as the runtime and `c360 erase` leave it: two days, several people, one export. */
async function seed(): Promise<Record<string, AuditRecord>> {
  hasher = await localSubjectHasher(dataDir);
  const r = {
    merge: { at: '2026-11-01T09:00:00.000Z', action: 'profile.merge', actor: 'service:unify-consumer', subject: hasher.profile('p1'), detail: { rule: 'shared-identifier', merged: hasher.profile('p2') } },
    other: { at: '2026-11-01T09:30:00.000Z', action: 'consent.change', actor: 'service:unify-consumer', subject: hasher.profile('p3'), detail: { purpose: 'analytics', status: 'denied', source: 'event', previous: null } },
    export: { at: '2026-11-01T22:00:00.000Z', action: 'export.run', actor: 'service:profile-export', detail: { exportId: '20261101T220000Z', rows: 12 } },
    consent: { at: '2026-11-02T08:00:00.000Z', action: 'consent.change', actor: 'service:unify-consumer', subject: hasher.profile('p1'), detail: { purpose: 'marketing_email', status: 'granted', source: 'api', previous: 'denied' } },
    erasure: { at: '2026-11-02T10:00:00.000Z', action: 'erasure.request', actor: 'local:ana', subject: hasher.identifier({ type: 'email', value: 'ana@example.com' }), detail: { requestId: 'er-1' } },
  } satisfies Record<string, AuditRecord>;
  await new FileAuditLog(join(dataDir, 'audit'), () => Date.parse('2026-11-01T23:00:00Z')).append([r.merge, r.other, r.export]);
  await new FileAuditLog(join(dataDir, 'audit'), () => Date.parse('2026-11-02T23:00:00Z')).append([r.consent, r.erasure]);
  return r;
}

const resolveNone = async () => undefined;
const run = (argv: string[], opts: Partial<AuditCommandOptions> = {}) =>
  runCommand((program, write) => registerAuditCommand(program, { dataDir, write, resolve: resolveNone, ...opts }), ['audit', ...argv]);
const listed = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^\d{4}-/.test(l))
    .map((l) => l.split(/\s+/).slice(0, 2).join(' '));

describe('c360 audit', () => {
  it('lists every record of the local log, oldest first, with a count', async () => {
    await seed();
    const { out, exit } = await run([]);
    expect(exit).toBeUndefined();
    expect(listed(out)).toEqual([
      '2026-11-01T09:00:00.000Z profile.merge',
      '2026-11-01T09:30:00.000Z consent.change',
      '2026-11-01T22:00:00.000Z export.run',
      '2026-11-02T08:00:00.000Z consent.change',
      '2026-11-02T10:00:00.000Z erasure.request',
    ]);
    expect(out).toContain('(5 records)');
    expect(out).toContain('purpose=marketing_email status=granted source=api previous=denied');
  });

  it('keeps only the actions asked for, and refuses one it does not know', async () => {
    await seed();
    expect(listed((await run(['--action', 'consent.change,export.run'])).out)).toEqual([
      '2026-11-01T09:30:00.000Z consent.change',
      '2026-11-01T22:00:00.000Z export.run',
      '2026-11-02T08:00:00.000Z consent.change',
    ]);
    const bad = await run(['--action', 'profile.delete']);
    expect(bad.exit?.exitCode).toBe(1);
    expect(bad.err).toMatch(/expected actions among profile\.read, profile\.merge/);
  });

  it('keeps only records from a time on', async () => {
    await seed();
    expect(listed((await run(['--since', '2026-11-01T22:00:00Z'])).out)).toEqual([
      '2026-11-01T22:00:00.000Z export.run',
      '2026-11-02T08:00:00.000Z consent.change',
      '2026-11-02T10:00:00.000Z erasure.request',
    ]);
    expect((await run(['--since', 'last tuesday'])).exit?.exitCode).toBe(1);
  });

  it("finds a person's records by an identifier: its own hash, and the hashes of every profile that is the person", async () => {
    await seed();
    const asked: SubjectKey[] = [];
    const resolve = async (key: SubjectKey) => {
      asked.push(key);
      return ['p1', 'p2'];
    };
    const { out } = await run(['--subject', 'email= Ana@Example.COM'], { resolve });
    // Normalised as the consumer normalises it, before hashing or asking.
    expect(asked).toEqual([{ type: 'email', value: 'ana@example.com' }]);
    expect(listed(out)).toEqual([
      '2026-11-01T09:00:00.000Z profile.merge',
      '2026-11-02T08:00:00.000Z consent.change',
      '2026-11-02T10:00:00.000Z erasure.request',
    ]);
    expect(out).not.toContain('note:');
    expect(out).not.toContain('ana@example.com');
  });

  it('finds records by a profile id, and says the search stops there when the profiles are not known', async () => {
    await seed();
    const { out } = await run(['--subject', 'p3']);
    expect(listed(out)).toEqual(['2026-11-01T09:30:00.000Z consent.change']);
    expect(out).toMatch(/note: the person's profiles are not known \(is the local runtime running\?\)/);
  });

  it('matches no one, and creates no key, when there is no hash key', async () => {
    hasher = await localSubjectHasher(join(dataDir, 'elsewhere'));
    await new FileAuditLog(join(dataDir, 'audit')).append([{ at: '2026-11-01T00:00:00.000Z', action: 'profile.merge', actor: 'a', subject: hasher.profile('p1') }]);
    let called = false;
    const { out } = await run(['--subject', 'p1'], { hasher: async () => ((called = true), hasher) });
    expect(listed(out)).toEqual([]);
    expect(called).toBe(false);
    expect(out).toMatch(/note: no hash key at .*: no record there can name anyone/);
    await expect(access(localHashKeyFile(dataDir))).rejects.toThrow(/ENOENT/);
  });

  it('prints JSON lines with --json', async () => {
    const r = await seed();
    const { out } = await run(['--json', '--action', 'export.run']);
    expect(out.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditRecord)).toEqual([r.export]);
  });

  it('lists nothing, without failing, when there is no log yet', async () => {
    const { out, exit } = await run([]);
    expect(exit).toBeUndefined();
    expect(out).toBe('(0 records)\n');
  });
});
