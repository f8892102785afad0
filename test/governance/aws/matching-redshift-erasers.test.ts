import { BatchDeleteUniqueIdCommand, EntityResolutionClient } from '@aws-sdk/client-entityresolution';
import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EntityResolutionEraser, MATCH_OUTPUT_PREFIX, UNIQUE_ID_BATCH } from '../../../lambda/governance/adapters/entity-resolution-eraser';
import { RedshiftEraser } from '../../../lambda/governance/adapters/redshift-eraser';
import type { ErasureSubject } from '../../../lambda/governance/contracts/erasure';
import { SNAPSHOT_PREFIX } from '../../../lambda/unification/contracts/snapshot';
import { FakeS3 } from './fake-s3';

const s3mock = mockClient(S3Client);
const ermock = mockClient(EntityResolutionClient);
const rsmock = mockClient(RedshiftDataClient);
const s3 = new S3Client({ region: 'eu-west-1' });
const er = new EntityResolutionClient({ region: 'eu-west-1' });
const LAKE = 'lake';

const alice: ErasureSubject = {
  requestId: 'req-00000001',
  profileIds: ['p-alice', 'p-alice-2'],
  identifiers: [{ type: 'email', value: 'alice@example.com' }],
  values: [],
  hashes: ['h1'],
};

let fake: FakeS3;
beforeEach(() => {
  s3mock.reset();
  ermock.reset();
  rsmock.reset();
  fake = new FakeS3();
  fake.install(s3mock);
});

describe('EntityResolutionEraser (matching)', () => {
  it("rewrites the snapshot and the workflow's output, and deletes the person's unique ids from the workflow", async () => {
    fake.put(LAKE, `${SNAPSHOT_PREFIX}part-00.csv`, 'profile_id,email\np-alice,alice@example.com\np-bob,bob@example.com\n');
    fake.put(LAKE, `${MATCH_OUTPUT_PREFIX}c360-matching/job-1/success/out.csv`, 'profile_id,email,MatchID\np-alice-2,alice@example.com,m1\np-bob,bob@example.com,m2\n');
    ermock.on(BatchDeleteUniqueIdCommand).callsFake((input: { uniqueIds: string[] }) => ({
      status: 'COMPLETED',
      deleted: input.uniqueIds.map((uniqueId) => ({ uniqueId })),
      errors: [],
      disconnectedUniqueIds: [],
    }));

    const report = await new EntityResolutionEraser(s3, er, LAKE, { workflowName: 'c360-matching' }).erase(alice);

    expect(report).toMatchObject({ store: 'matching', status: 'erased', method: 'rewrite objects, BatchDeleteUniqueId', itemsAffected: 4, objectsAffected: 2 });
    expect(ermock.commandCalls(BatchDeleteUniqueIdCommand).map((c) => c.args[0].input)).toEqual([{ workflowName: 'c360-matching', uniqueIds: ['p-alice', 'p-alice-2'] }]);
    expect(fake.allText(LAKE)).not.toContain('alice');
  });

  it('sends the unique ids in small batches', async () => {
    const many = { ...alice, profileIds: Array.from({ length: UNIQUE_ID_BATCH + 3 }, (_, i) => `p-${i}`) };
    ermock.on(BatchDeleteUniqueIdCommand).resolves({ status: 'COMPLETED', deleted: [], errors: [], disconnectedUniqueIds: [] });
    await new EntityResolutionEraser(s3, er, LAKE, { workflowName: 'w' }).erase(many);
    expect(ermock.commandCalls(BatchDeleteUniqueIdCommand).map((c) => c.args[0].input.uniqueIds?.length)).toEqual([UNIQUE_ID_BATCH, 3]);
  });

  it('fails on a service error and not on ids the workflow does not hold', async () => {
    ermock.on(BatchDeleteUniqueIdCommand).resolves({
      status: 'COMPLETED',
      deleted: [{ uniqueId: 'p-alice' }],
      errors: [{ uniqueId: 'p-alice-2', errorType: 'VALIDATION_ERROR' }],
      disconnectedUniqueIds: [],
    });
    const ok = await new EntityResolutionEraser(s3, er, LAKE, { workflowName: 'w' }).erase(alice);
    expect(ok).toMatchObject({ status: 'erased', itemsAffected: 1 });
    expect(ok.message).toContain('1 not held by the workflow');

    ermock.on(BatchDeleteUniqueIdCommand).resolves({ status: 'COMPLETED', deleted: [], errors: [{ uniqueId: 'p-alice', errorType: 'SERVICE_ERROR' }], disconnectedUniqueIds: [] });
    const failed = await new EntityResolutionEraser(s3, er, LAKE, { workflowName: 'w' }).erase(alice);
    expect(failed.status).toBe('failed');
    // Profile ids stay out of the receipt's message.
    expect(failed.message).not.toContain('p-alice');
  });

  it('rewrites the objects only, and says so, without a workflow', async () => {
    fake.put(LAKE, `${SNAPSHOT_PREFIX}part-00.csv`, 'profile_id\np-alice\np-bob\n');
    const report = await new EntityResolutionEraser(s3, undefined, LAKE).erase(alice);
    expect(report).toMatchObject({ status: 'erased', itemsAffected: 1 });
    expect(report.message).toContain('no Entity Resolution workflow deployed');
    expect(ermock.commandCalls(BatchDeleteUniqueIdCommand)).toHaveLength(0);
  });
});

describe('RedshiftEraser', () => {
  const opts = { workgroupName: 'c360-warehouse', database: 'c360', procedure: 'recreate_events_stream', streamRetentionHours: 24, sleep: async () => {}, clock: () => Date.UTC(2026, 11, 2) };

  /** Statements finish on their second DescribeStatement; the procedure's OUT value is 100 rows. */
  function redshift(fail?: { error: string }) {
    const polls = new Map<string, number>();
    let n = 0;
    rsmock.on(ExecuteStatementCommand).callsFake(() => ({ Id: `s-${++n}` }));
    rsmock.on(DescribeStatementCommand).callsFake((input: { Id: string }) => {
      const seen = (polls.get(input.Id) ?? 0) + 1;
      polls.set(input.Id, seen);
      if (seen < 2) return { Id: input.Id, Status: 'STARTED' };
      return fail === undefined ? { Id: input.Id, Status: 'FINISHED' } : { Id: input.Id, Status: 'FAILED', Error: fail.error };
    });
    rsmock.on(GetStatementResultCommand).resolves({ Records: [[{ longValue: 100 }]] });
    return () => rsmock.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input);
  }

  it("calls the owner's procedure that re-creates the streaming view, waits for it, and reports the rows dropped and the window", async () => {
    const executed = redshift();
    const report = await new RedshiftEraser(new RedshiftDataClient({ region: 'eu-west-1' }), opts).erase(alice);

    expect(executed().map((i) => i.Sql)).toEqual(['CALL recreate_events_stream()']);
    expect(executed().every((i) => i.WorkgroupName === 'c360-warehouse' && i.Database === 'c360')).toBe(true);
    expect(report).toMatchObject({ store: 'redshift', status: 'erased', method: 'DROP and CREATE MATERIALIZED VIEW', itemsAffected: 100 });
    expect(report.message).toContain('2026-12-03T00:00:00.000Z');
    // No statement names the person.
    expect(JSON.stringify(executed())).not.toMatch(/alice|p-alice/);
  });

  it('fails with the statement and Redshift error when the procedure fails', async () => {
    redshift({ error: 'permission denied for procedure recreate_events_stream' });
    await expect(new RedshiftEraser(new RedshiftDataClient({ region: 'eu-west-1' }), opts).erase(alice)).rejects.toThrow(
      /erasure-recreate-events-stream failed: permission denied/,
    );
  });
});
