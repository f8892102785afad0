import { describe, expect, it } from 'vitest';
import { computedTraitColumns, EXPORT_TABLES, exportId, exportObjectKey, type CuratedColumn, type ExportTable } from '../../../lambda/analytics/contracts/curated';
import type { ExportRow, ExportSubject } from '../../../lambda/analytics/core/export-rows';
import type { ExportSink, PartitionCatalog, Profile, ProfileSource, ScanSegment, SourcedProfile, TableEncoder } from '../../../lambda/analytics/ports';
import { EXPORT_ACTOR, ExportExpiryError, exportProfiles, type ExportProfilesInput } from '../../../lambda/analytics/usecases/export-profiles';
import type { AuditRecord } from '../../../lambda/governance/contracts/audit';
import type { AuditLog } from '../../../lambda/governance/ports';
import { parseConfig } from '../../../lambda/config';
import { customerRecordReader, type CustomerRecord } from '../../../lambda/unification/contracts/customer-record';
import { emptyProfile } from '../../../lambda/unification/core/profile/profile';

// The unification pillar's customer record is what the export reads.
const _recordIsASubject: (r: CustomerRecord) => ExportSubject = (r) => r;
void _recordIsASubject;

const DAY = 86_400_000;
const START = Date.UTC(2026, 11, 1, 22, 0, 0);
const config = parseConfig({ unification: { computedTraits: { orders: { op: 'count', event: 'Order Completed' } }, segments: {} } });

function profile(id: string, extra: Partial<Profile> = {}): Profile {
  return { ...emptyProfile(id, '2026-11-01T00:00:00.000Z'), ...extra };
}

/** Profiles by segment; `unreadable` items say where a document failed. */
class FakeSource implements ProfileSource {
  readonly scans: ScanSegment[] = [];
  constructor(private readonly segments: SourcedProfile[][]) {}
  async *scan(options: ScanSegment): AsyncIterable<SourcedProfile> {
    this.scans.push(options);
    yield* this.segments[options.segment] ?? [];
  }
}

class MemorySink implements ExportSink {
  readonly objects = new Map<string, Uint8Array>();
  readonly log: string[];
  failOn?: string;
  constructor(log: string[]) {
    this.log = log;
  }
  async put(key: string, body: Uint8Array): Promise<void> {
    if (key === this.failOn) throw new Error('S3 is down');
    this.objects.set(key, body);
    this.log.push(`put ${key}`);
  }
}

class FakeCatalog implements PartitionCatalog {
  readonly registered: string[] = [];
  readonly discarded: string[] = [];
  readonly cutoffs: string[] = [];
  existing: string[] = [];
  failRegister = false;
  failDrop = false;
  constructor(private readonly log: string[]) {}
  async register(id: string, tables: readonly ExportTable[]): Promise<void> {
    this.log.push(`register ${id}`);
    if (this.failRegister) throw new Error('Glue is down');
    this.registered.push(...tables.map((t) => `${t}/${id}`));
  }
  async dropOlderThan(id: string, tables: readonly ExportTable[]): Promise<number> {
    this.cutoffs.push(id);
    if (this.failDrop) throw new Error('GetPartitions throttled');
    const old = this.existing.filter((e) => e < id);
    this.existing = this.existing.filter((e) => e >= id);
    return old.length * tables.length;
  }
  async discard(id: string): Promise<void> {
    this.discarded.push(id);
  }
}

/** Encodes rows as JSON with the column names, so tests can read files back. */
const jsonEncoder: TableEncoder = {
  encode: (columns: readonly CuratedColumn[], rows: readonly ExportRow[]) =>
    new TextEncoder().encode(JSON.stringify({ columns: columns.map((c) => c.name), rows })),
};
const decode = (body: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(body)) as { columns: string[]; rows: ExportRow[] };

function setup(segments: SourcedProfile[][]) {
  const log: string[] = [];
  const source = new FakeSource(segments);
  const sink = new MemorySink(log);
  const catalog = new FakeCatalog(log);
  const input: ExportProfilesInput = {
    source,
    sink,
    catalog,
    encoder: jsonEncoder,
    record: customerRecordReader(config),
    computedColumns: computedTraitColumns(config),
    totalSegments: segments.length,
    retentionDays: 7,
    startedAtMs: START,
  };
  return { log, source, sink, catalog, input };
}

const ok = (p: Profile): SourcedProfile => ({ kind: 'profile', profile: p });
const ID = exportId(new Date(START));

describe('the profile export use case', () => {
  it('writes one file per table and scan segment under the new export id, and counts rows and bytes', async () => {
    const merged = profile('p-2', {
      identifiers: { email: ['b@example.org'], userId: ['u-2'] },
      mergedFrom: ['p-9'],
      merges: [{ at: '2026-11-02T00:00:00.000Z', survivor: 'p-2', merged: 'p-9', rule: 'shared-identifier' }],
      segments: { vip: '2026-11-03T00:00:00.000Z' },
      rejectedIdentifiers: [{ type: 'email', value: 'test@example.com', reason: 'blocked', messageId: 'm', at: '2026-11-01T00:00:00.000Z' }],
    });
    const { sink, source, input } = setup([[ok(profile('p-1', { identifiers: { anonymousId: ['a-1'] } }))], [ok(merged)], []]);
    const summary = await exportProfiles(input);

    expect(summary.exportId).toBe('20261201T220000Z');
    expect(summary.startedAt).toBe('2026-12-01T22:00:00.000Z');
    expect(source.scans.map((s) => [s.segment, s.totalSegments])).toEqual([[0, 3], [1, 3], [2, 3]]);
    expect([...sink.objects.keys()].sort()).toEqual(EXPORT_TABLES.flatMap((t) => [0, 1, 2].map((s) => exportObjectKey(t, ID, s))).sort());
    expect(summary.profiles).toBe(2);
    expect(summary.rows).toEqual({ profiles: 2, identities: 3, identity_merges: 1, segment_membership: 1, rejected_identifiers: 1 });
    expect(summary.files).toBe(15);
    const bytes = [...sink.objects.values()].reduce((n, b) => n + b.byteLength, 0);
    expect(summary.bytes).toBe(bytes);
    expect(Object.values(summary.bytesByTable).reduce((a, b) => a + b, 0)).toBe(bytes);
    expect(summary.unreadable).toBe(0);

    const profiles1 = decode(sink.objects.get(exportObjectKey('profiles', ID, 1)));
    expect(profiles1.columns.at(-1)).toBe('computed_orders');
    expect(profiles1.rows.map((r) => r.profile_id)).toEqual(['p-2']);
    expect(decode(sink.objects.get(exportObjectKey('identity_merges', ID, 1))).rows).toEqual([expect.objectContaining({ profile_id: 'p-2', merged_profile_id: 'p-9' })]);
    // An empty segment still writes its files: every partition holds every segment's part.
    expect(decode(sink.objects.get(exportObjectKey('profiles', ID, 2))).rows).toEqual([]);
  });

  it('evaluates computed traits at the export start', async () => {
    const seen: number[] = [];
    const { input } = setup([[ok(profile('p-1'))]]);
    await exportProfiles({
      ...input,
      record: (p, nowMs) => {
        seen.push(nowMs);
        return customerRecordReader(config)(p, nowMs);
      },
    });
    expect(seen).toEqual([START]);
  });

  it('counts and reports an unreadable document by its key, and exports the other profiles', async () => {
    const { sink, input } = setup([
      [ok(profile('p-1')), { kind: 'unreadable', key: 'P#p-bad', reason: 'profile document is not JSON' }, ok(profile('p-3'))],
      [ok({ profileId: 'p-odd' } as Profile)],
    ]);
    const summary = await exportProfiles(input);
    expect(summary.profiles).toBe(2);
    expect(summary.unreadable).toBe(2);
    expect(summary.unreadableProfiles).toEqual([
      { key: 'P#p-bad', reason: 'profile document is not JSON' },
      { key: 'P#p-odd', reason: expect.stringMatching(/^not a readable customer record: /) },
    ]);
    expect(decode(sink.objects.get(exportObjectKey('profiles', ID, 0))).rows.map((r) => r.profile_id)).toEqual(['p-1', 'p-3']);
  });

  it('registers the partitions only once every file is written, then drops the exports past the retention', async () => {
    const { log, catalog, input } = setup([[ok(profile('p-1'))], [ok(profile('p-2'))]]);
    catalog.existing = ['20261120T000000Z', '20261124T215959Z', '20261124T220000Z', '20261130T220000Z'];
    const summary = await exportProfiles(input);
    expect(log.at(-1)).toBe(`register ${ID}`);
    expect(log.filter((l) => l.startsWith('put '))).toHaveLength(10);
    expect(catalog.registered).toEqual(EXPORT_TABLES.map((t) => `${t}/${ID}`));
    expect(catalog.cutoffs).toEqual([exportId(new Date(START - 7 * DAY))]);
    expect(catalog.cutoffs).toEqual(['20261124T220000Z']);
    expect(catalog.existing).toEqual(['20261124T220000Z', '20261130T220000Z']);
    expect(summary.droppedPartitions).toBe(2 * EXPORT_TABLES.length);
    expect(catalog.discarded).toEqual([]);
  });

  it('discards the export and throws when a file cannot be written: nothing is registered', async () => {
    const { log, sink, catalog, input } = setup([[ok(profile('p-1'))], [ok(profile('p-2'))]]);
    sink.failOn = exportObjectKey('identities', ID, 1);
    const discard = catalog.discard.bind(catalog);
    catalog.discard = async (id: string) => {
      log.push(`discard ${id}`);
      return discard(id);
    };
    await expect(exportProfiles(input)).rejects.toThrow('S3 is down');
    expect(catalog.registered).toEqual([]);
    expect(catalog.discarded).toEqual([ID]);
    expect(catalog.cutoffs).toEqual([]);
    // The other segment had written all its files before the export was discarded.
    expect(log.at(-1)).toBe(`discard ${ID}`);
    expect(log.filter((l) => l.startsWith('put ') && l.endsWith('part-00.parquet'))).toHaveLength(5);
  });

  it('discards the export and throws when registering fails', async () => {
    const { catalog, input } = setup([[ok(profile('p-1'))]]);
    catalog.failRegister = true;
    await expect(exportProfiles(input)).rejects.toThrow('Glue is down');
    expect(catalog.discarded).toEqual([ID]);
  });

  it('throws with the counts when the export is registered but dropping old ones fails', async () => {
    const { catalog, input } = setup([[ok(profile('p-1'))]]);
    catalog.failDrop = true;
    const err = await exportProfiles(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportExpiryError);
    expect((err as ExportExpiryError).message).toMatch(/export 20261201T220000Z is written and registered, but dropping .* failed: GetPartitions throttled/);
    expect((err as ExportExpiryError).summary).toMatchObject({ exportId: ID, profiles: 1 });
    expect(catalog.discarded).toEqual([]);
  });

  it('refuses segment counts and retentions it cannot honour', async () => {
    const { input } = setup([[]]);
    await expect(exportProfiles({ ...input, totalSegments: 0 })).rejects.toThrow(/totalSegments must be an integer from 1 to 100, got 0/);
    await expect(exportProfiles({ ...input, totalSegments: 1.5 })).rejects.toThrow(/totalSegments/);
    await expect(exportProfiles({ ...input, retentionDays: 0 })).rejects.toThrow(/retentionDays must be a positive integer/);
  });

  describe('with an audit log', () => {
    class MemoryAuditLog implements AuditLog {
      readonly records: AuditRecord[] = [];
      fail = false;
      constructor(private readonly log: string[]) {}
      async append(records: readonly AuditRecord[]): Promise<void> {
        this.log.push(`audit ${records.map((r) => r.action).join(',')}`);
        if (this.fail) throw new Error('Firehose did not take 1 of 1 audit records');
        this.records.push(...records);
      }
    }

    it('records one export.run with the export id, tables and row counts, and no subject, once the export is registered', async () => {
      const { log, input } = setup([[ok(profile('p-1', { identifiers: { userId: ['u-1'] } }))], [ok(profile('p-2'))]]);
      const audit = new MemoryAuditLog(log);
      await exportProfiles({ ...input, audit: { log: audit } });
      expect(log.slice(-2)).toEqual([`register ${ID}`, 'audit export.run']);
      expect(audit.records).toEqual([
        {
          at: '2026-12-01T22:00:00.000Z',
          action: 'export.run',
          actor: EXPORT_ACTOR,
          detail: {
            exportId: ID,
            tables: EXPORT_TABLES.join(','),
            profiles: 2,
            rows: 3,
            rows_profiles: 2,
            rows_identities: 1,
            rows_identity_merges: 0,
            rows_segment_membership: 0,
            rows_rejected_identifiers: 0,
          },
        },
      ]);
      expect(audit.records[0]).not.toHaveProperty('subject');
    });

    it('names the actor it is given', async () => {
      const { log, input } = setup([[ok(profile('p-1'))]]);
      const audit = new MemoryAuditLog(log);
      await exportProfiles({ ...input, audit: { log: audit, actor: 'local:ana' } });
      expect(audit.records.map((r) => r.actor)).toEqual(['local:ana']);
    });

    it('discards the export and throws when the run cannot be recorded: no export is readable that the log does not show', async () => {
      const { log, catalog, input } = setup([[ok(profile('p-1'))]]);
      const audit = new MemoryAuditLog(log);
      audit.fail = true;
      await expect(exportProfiles({ ...input, audit: { log: audit } })).rejects.toThrow(/audit records/);
      expect(catalog.discarded).toEqual([ID]);
      expect(catalog.cutoffs).toEqual([]);
    });

    it('records nothing for an export that failed', async () => {
      const { log, catalog, input } = setup([[ok(profile('p-1'))]]);
      const audit = new MemoryAuditLog(log);
      catalog.failRegister = true;
      await expect(exportProfiles({ ...input, audit: { log: audit } })).rejects.toThrow('Glue is down');
      expect(audit.records).toEqual([]);
    });
  });
});
