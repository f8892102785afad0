/**
 * The erasure use case over in-memory ports: resolving a request to the whole
 * person, the order of the steps, the receipt, the audit records, the
 * suppression list, an unknown person, a failing store, and removing a
 * suppression.
 */
import { describe, expect, it } from 'vitest';
import { KeyedSubjectHasher } from '../../lambda/governance/adapters/keyed-hasher';
import type { AuditRecord } from '../../lambda/governance/contracts/audit';
import { ERASURE_STORES, type ErasureReceipt, type ErasureRequest, type ErasureSubject, type StoreReport } from '../../lambda/governance/contracts/erasure';
import type { AuditLog, ErasureRecords, StoreEraser, SuppressionList } from '../../lambda/governance/ports';
import { eraserRegistry, missingStores, notDeployed } from '../../lambda/governance/usecases/eraser-registry';
import { completeErasure, removeSuppression, resolveSubject, runErasure, runStoreStep, type ErasureDeps } from '../../lambda/governance/usecases/erasure';
import { emptyProfile, type Profile } from '../../lambda/unification/core/profile/profile';

const NOW = Date.parse('2026-12-01T10:00:00.000Z');
const hasher = new KeyedSubjectHasher(Buffer.alloc(32, 1));

function profile(id: string, patch: Partial<Profile>): Profile {
  return { ...emptyProfile(id, '2026-11-01T00:00:00.000Z'), ...patch };
}
const tv = (v: unknown) => ({ v, t: 1, m: 'm' });

/** Ana: a live profile p-ana that absorbed p-ana-app; Bob elsewhere. */
const PROFILES = new Map<string, Profile>([
  ['p-ana', profile('p-ana', { identifiers: { email: ['ana@example.com'], userId: ['u-ana'] }, mergedFrom: ['p-ana-app'], traits: { firstName: tv('Ana'), lastName: tv('Lopez'), emailRaw: tv('Ana@Example.com'), plan: tv('pro') } })],
  ['p-ana-app', profile('p-ana-app', { identifiers: { anonymousId: ['dev-1'] }, mergedInto: 'p-ana', traits: { phoneRaw: tv('(415) 555-0100') } })],
  ['p-bob', profile('p-bob', { identifiers: { email: ['bob@example.com'] } })],
]);
const OWNERS = new Map([
  ['email#ana@example.com', 'p-ana'],
  ['userId#u-ana', 'p-ana'],
  // An identifier still pointing at the merged-away profile (a repoint not made yet).
  ['anonymousId#dev-1', 'p-ana-app'],
  ['email#bob@example.com', 'p-bob'],
]);
const profiles = {
  getOwners: async (keys: readonly string[]) => new Map(keys.flatMap((k) => (OWNERS.has(k) ? [[k, OWNERS.get(k) as string] as const] : []))),
  getProfiles: async (ids: readonly string[]) => new Map(ids.flatMap((id) => (PROFILES.has(id) ? [[id, PROFILES.get(id) as Profile] as const] : []))),
};

function memoryDeps() {
  const suppressed = new Map<string, string>();
  const audit: AuditRecord[] = [];
  const subjects = new Map<string, ErasureSubject>();
  const receipts = new Map<string, ErasureReceipt>();
  const events: string[] = [];
  const suppression: SuppressionList = {
    suppressed: async (hs) => new Set(hs.filter((h) => suppressed.has(h))),
    add: async (hs, requestId) => {
      events.push('suppress');
      for (const h of hs) if (!suppressed.has(h)) suppressed.set(h, requestId);
    },
    remove: async (hs) => hs.filter((h) => suppressed.delete(h)).length,
  };
  const records: ErasureRecords = {
    putSubject: async (s) => void subjects.set(s.requestId, s),
    getSubject: async (id) => subjects.get(id),
    deleteSubject: async (id) => void subjects.delete(id),
    putReceipt: async (r) => void receipts.set(r.requestId, r),
    getReceipt: async (id) => receipts.get(id),
  };
  const auditLog: AuditLog = { append: async (r) => void audit.push(...r) };
  const deps: ErasureDeps = {
    profiles,
    hasher,
    suppression,
    records,
    audit: auditLog,
    residuals: { streamRetentionHours: 24, curatedRetentionDays: 7, pointInTimeRecovery: true, firehose: true },
    clock: () => NOW,
  };
  return { deps, suppressed, audit, subjects, receipts, events };
}

const request = (target: ErasureRequest['target']): ErasureRequest => ({
  requestId: 'req-00000001',
  target,
  requestedBy: 'arn:aws:iam::123456789012:role/dpo',
  requestedAt: '2026-12-01T09:59:00.000Z',
  reason: 'ticket 1',
});

function recordingEraser(store: string, seen: ErasureSubject[], report: Partial<StoreReport> = {}): StoreEraser {
  return {
    store,
    erase: async (s) => {
      seen.push(s);
      return { store, method: 'test', status: 'erased', itemsAffected: 2, completedAt: new Date(NOW).toISOString(), ...report };
    },
  };
}

describe('resolveSubject', () => {
  it('widens an identifier to the whole person: the live profile, the profiles merged into it, their identifiers and personal values', async () => {
    const s = await resolveSubject({ requestId: 'r', target: { identifier: { type: 'anonymousId', value: 'dev-1' } } }, { profiles, hasher });
    expect(s.profileIds).toEqual(['p-ana', 'p-ana-app']);
    expect(s.identifiers).toEqual([
      { type: 'anonymousId', value: 'dev-1' },
      { type: 'email', value: 'ana@example.com' },
      { type: 'userId', value: 'u-ana' },
    ]);
    expect(s.values).toEqual(['(415) 555-0100', 'Ana', 'Ana@Example.com', 'Lopez']);
    expect(s.hashes).toEqual(s.identifiers.map((id) => hasher.identifier(id)));
  });

  it('resolves a merged-away profile id to the same person', async () => {
    const s = await resolveSubject({ requestId: 'r', target: { profileId: 'p-ana-app' } }, { profiles, hasher });
    expect(s.profileIds).toEqual(['p-ana', 'p-ana-app']);
  });

  it('resolves someone unknown to the identifier named, and nothing else', async () => {
    const s = await resolveSubject({ requestId: 'r', target: { identifier: { type: 'email', value: 'nobody@example.com' } } }, { profiles, hasher });
    expect(s).toMatchObject({ profileIds: [], identifiers: [{ type: 'email', value: 'nobody@example.com' }], values: [] });
    expect(s.hashes).toHaveLength(1);
  });
});

describe('runErasure', () => {
  it('suppresses first, runs every eraser on the subject, then writes the receipt with hashes only and deletes the work object', async () => {
    const m = memoryDeps();
    const seen: ErasureSubject[] = [];
    const erasers = [recordingEraser('profiles', seen), recordingEraser('raw-lake', seen, { status: 'nothing-found', itemsAffected: 0 })];
    const wrapped = erasers.map((e) => ({ ...e, erase: async (s: ErasureSubject) => (m.events.push(`erase ${e.store}`), e.erase(s)) }));
    const receipt = await runErasure(request({ identifier: { type: 'email', value: 'ana@example.com' } }), wrapped, m.deps);

    expect(m.events).toEqual(['suppress', 'erase profiles', 'erase raw-lake', 'suppress']);
    expect(seen.every((s) => s.profileIds.length === 2)).toBe(true);
    expect(receipt).toMatchObject({
      requestId: 'req-00000001',
      status: 'complete',
      subject: hasher.identifier({ type: 'email', value: 'ana@example.com' }),
      requestedBy: 'arn:aws:iam::123456789012:role/dpo',
      reason: 'ticket 1',
      completedAt: '2026-12-01T10:00:00.000Z',
      profiles: 2,
      identifiers: 3,
      suppressed: 3,
    });
    expect(receipt.stores.map((s) => [s.store, s.status])).toEqual([
      ['profiles', 'erased'],
      ['raw-lake', 'nothing-found'],
    ]);
    expect(JSON.stringify(receipt)).not.toMatch(/ana@|u-ana|dev-1|Lopez/);
    expect(m.subjects.size).toBe(0);
    expect(m.receipts.get('req-00000001')).toEqual(receipt);
    expect([...m.suppressed.keys()].sort()).toEqual(seen[0]?.hashes.slice().sort());
  });

  it('records the request, the suppression and the completion in the audit log, the subject hashed', async () => {
    const m = memoryDeps();
    await runErasure(request({ profileId: 'p-ana' }), [recordingEraser('profiles', [])], m.deps);
    expect(m.audit.map((a) => a.action)).toEqual(['erasure.request', 'suppression.add', 'erasure.complete']);
    expect(new Set(m.audit.map((a) => a.subject))).toEqual(new Set([hasher.profile('p-ana')]));
    expect(m.audit[0]).toMatchObject({ actor: 'arn:aws:iam::123456789012:role/dpo', detail: { requestId: 'req-00000001', profiles: 2, identifiers: 3 } });
    expect(m.audit[2]?.detail).toMatchObject({ status: 'complete', itemsAffected: 2 });
    expect(JSON.stringify(m.audit)).not.toMatch(/ana@|u-ana|dev-1|p-ana"/);
  });

  it('completes for someone unknown: every store nothing-found, the named identifier suppressed', async () => {
    const m = memoryDeps();
    const nothing: StoreEraser[] = ERASURE_STORES.map((store) => recordingEraser(store, [], { status: 'nothing-found', itemsAffected: 0 }));
    const receipt = await runErasure(request({ identifier: { type: 'email', value: 'nobody@example.com' } }), nothing, m.deps);
    expect(receipt.status).toBe('complete');
    expect(receipt.stores.every((s) => s.status === 'nothing-found')).toBe(true);
    expect([...m.suppressed.keys()]).toEqual([hasher.identifier({ type: 'email', value: 'nobody@example.com' })]);
  });

  it('reports a store that throws as failed, goes on with the others, and marks the receipt partial', async () => {
    const m = memoryDeps();
    const failing: StoreEraser = { store: 'curated', erase: async () => Promise.reject(new Error('AccessDenied on curated/')) };
    const receipt = await runErasure(request({ profileId: 'p-ana' }), [recordingEraser('profiles', []), failing], m.deps);
    expect(receipt.status).toBe('partial');
    expect(receipt.stores.find((s) => s.store === 'curated')).toMatchObject({ status: 'failed', message: 'AccessDenied on curated/' });
    expect(m.suppressed.size).toBe(3);
  });

  it('names the residuals with their end times', async () => {
    const m = memoryDeps();
    const receipt = await runErasure(request({ profileId: 'p-ana' }), [], m.deps);
    const until = Object.fromEntries(receipt.residuals.map((r) => [r.where, r.until]));
    expect(until).toEqual({
      'event stream (Kinesis)': '2026-12-02T10:00:00.000Z',
      'raw-lake delivery buffer (Firehose)': '2026-12-01T10:15:00.000Z',
      'profile table backups (DynamoDB point-in-time recovery)': '2027-01-05T10:00:00.000Z',
      'earlier curated exports (S3 lifecycle)': '2026-12-08T10:00:00.000Z',
    });
  });
});

describe('the workflow steps', () => {
  it('reads the subject from the work object by request id, and a retried receipt step keeps the receipt', async () => {
    const m = memoryDeps();
    const { beginErasure } = await import('../../lambda/governance/usecases/erasure');
    await beginErasure(request({ profileId: 'p-ana' }), m.deps);
    const seen: ErasureSubject[] = [];
    const report = await runStoreStep('req-00000001', recordingEraser('profiles', seen), m.deps.records, () => NOW);
    expect(seen[0]?.profileIds).toEqual(['p-ana', 'p-ana-app']);
    const first = await completeErasure('req-00000001', [report], m.deps);
    const again = await completeErasure('req-00000001', [report], m.deps);
    expect(again).toEqual(first);
    await expect(runStoreStep('req-00000001', recordingEraser('profiles', []), m.deps.records)).rejects.toThrow(/no work object/);
  });

  it('keeps the work object after a first receipt, and a later pass replaces that store\'s report in the receipt', async () => {
    const m = memoryDeps();
    const { beginErasure } = await import('../../lambda/governance/usecases/erasure');
    await beginErasure(request({ profileId: 'p-ana' }), m.deps);
    const profiles = await runStoreStep('req-00000001', recordingEraser('profiles', []), m.deps.records, () => NOW);
    const redshiftFirst = { ...profiles, store: 'redshift', status: 'scheduled' as const, message: 'the stream still holds the last day' };
    const first = await completeErasure('req-00000001', [profiles, redshiftFirst], m.deps, { final: false });
    expect(first.stores.map((r) => r.status)).toEqual(['erased', 'scheduled']);
    // The second Redshift pass still reads the subject.
    const redshiftAgain = await runStoreStep('req-00000001', recordingEraser('redshift', []), m.deps.records, () => NOW);
    const last = await completeErasure('req-00000001', [redshiftAgain], m.deps);
    expect(last.stores.map((r) => [r.store, r.status])).toEqual([
      ['profiles', 'erased'],
      ['redshift', 'erased'],
    ]);
    expect(await m.deps.records.getSubject('req-00000001')).toBeUndefined();
  });
});

describe('removeSuppression', () => {
  it('removes the one identifier named, as its own audited request', async () => {
    const m = memoryDeps();
    await runErasure(request({ profileId: 'p-ana' }), [], m.deps);
    const email = { type: 'email', value: 'ana@example.com' };
    const out = await removeSuppression({ requestId: 'req-00000002', identifier: email, requestedBy: 'local:dpo', requestedAt: '2026-12-02T00:00:00.000Z' }, m.deps);
    expect(out).toEqual({ requestId: 'req-00000002', removed: 1 });
    expect(m.suppressed.has(hasher.identifier(email))).toBe(false);
    expect(m.suppressed.size).toBe(2);
    expect(m.audit.at(-1)).toMatchObject({ action: 'suppression.remove', actor: 'local:dpo', subject: hasher.identifier(email), detail: { removed: 1 } });
  });
});

describe('the eraser registry', () => {
  it('fails at start when a store of ERASURE_STORES has no eraser, and orders them as ERASURE_STORES', () => {
    const all = ERASURE_STORES.map((s) => notDeployed(s, 'test'));
    expect(eraserRegistry([...all].reverse()).map((e) => e.store)).toEqual([...ERASURE_STORES]);
    expect(missingStores(all.slice(1))).toEqual([ERASURE_STORES[0]]);
    expect(() => eraserRegistry(all.slice(1))).toThrow(/no eraser for profiles/);
    expect(() => eraserRegistry([...all, notDeployed('curated', 'again')])).toThrow(/two erasers for curated/);
  });

  it('reports a store the deployment lacks as not-deployed', async () => {
    const report = await notDeployed('redshift', 'analytics.redshift.enabled is false', () => NOW).erase({} as ErasureSubject);
    expect(report).toMatchObject({ store: 'redshift', status: 'not-deployed', itemsAffected: 0 });
  });
});
