import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { isMatchOutputKey, parseMatchOutput, readJobMatchOutput, readMatchOutput, successFolderOf } from '../../../lambda/unification/adapters/entity-resolution-output';

const s3mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
const ARN = 'arn:aws:glue:us-east-1:123456789012:table/c360_lake/profile_snapshot';
const KEY = 'entity-resolution/output/c360-profiles/0123456789abcdef0123456789abcdef/success/part-00000.csv';

/** Serves `body` for every GetObject, in small chunks so that lines straddle them. */
function serve(body: string | Buffer) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  s3mock.on(GetObjectCommand).callsFake(() => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    return { Body: Readable.from(chunks), LastModified: new Date('2026-11-01T00:00:00Z') } as unknown as GetObjectCommandOutput;
  });
}

/** A rule-based job's success file: the selected output fields, then Entity Resolution's metadata. */
const RULE_OUTPUT = [
  'profile_id,first_name,last_name,email,InputSourceARN,MatchRule,MatchID',
  `p-1,ada,lovelace,ada@lovelace.org,${ARN},email-name,1f0e6a1c2b`,
  `p-2,ada,lovelace,ada@lovelace.org,${ARN},email-name,1f0e6a1c2b`,
  `p-3,augusta,lovelace,,${ARN},name-dateOfBirth,1f0e6a1c2b`,
  `p-4,grace,hopper,grace@navy.mil,${ARN},,7d2c91aa04`,
  `p-5,alan,turing,alan@bletchley.uk,${ARN},name-dateOfBirth,9b3e55f0e1`,
  `p-6,alan,turing,,${ARN},name-dateOfBirth,9b3e55f0e1`,
  '',
].join('\n');

beforeEach(() => s3mock.reset());

describe('readMatchOutput', () => {
  it('groups the records of a rule-based output by MatchID and drops sets of one', async () => {
    serve(RULE_OUTPUT);
    const out = await readMatchOutput(s3, 'lake', KEY);

    expect(s3mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'lake', Key: KEY });
    expect(out.rows).toBe(6);
    expect(out.rejected).toEqual([]);
    expect(out.groups).toEqual([
      { matchId: '1f0e6a1c2b', profileIds: ['p-1', 'p-2', 'p-3'], rule: 'email-name' },
      { matchId: '9b3e55f0e1', profileIds: ['p-5', 'p-6'], rule: 'name-dateOfBirth' },
    ]);
  });

  it('reads an ML output: ConfidenceLevel, the lowest of a set kept; no MatchRule column', async () => {
    serve(
      [
        'profile_id,first_name,last_name,InputSourceARN,ConfidenceLevel,MatchID',
        `p-1,ada,lovelace,${ARN},0.93,m-1`,
        `p-2,ada,lovelace,${ARN},0.81,m-1`,
        `p-3,grace,hopper,${ARN},,m-2`,
        `p-4,grace,hopper,${ARN},0.7,m-2`,
      ].join('\r\n'),
    );
    const out = await readMatchOutput(s3, 'lake', KEY);
    expect(out.groups).toEqual([
      { matchId: 'm-1', profileIds: ['p-1', 'p-2'], confidence: 0.81 },
      { matchId: 'm-2', profileIds: ['p-3', 'p-4'], confidence: 0.7 },
    ]);
  });

  it('reports bad rows with their line and reason instead of dropping them', async () => {
    serve(
      [
        'profile_id,last_name,InputSourceARN,ConfidenceLevel,MatchID',
        `p-1,lovelace,${ARN},0.9,m-1`,
        `p-2,lovelace,${ARN},0.9,m-1`,
        `,lovelace,${ARN},0.9,m-1`, // line 4: no id
        `p-3,hopper,${ARN},0.9,`, // line 5: no MatchID
        `p-4,hopper,${ARN},high,m-2`, // line 6: confidence not a number
        `p-5,hopper,${ARN},0.9`, // line 7: a field short
        `p-1,lovelace,${ARN},0.9,m-3`, // line 8: p-1 again, in another set
        `p-6,"unclosed,${ARN},0.9,m-2`, // line 9: CSV syntax error
      ].join('\n'),
    );
    const out = await readMatchOutput(s3, 'lake', KEY);

    expect(out.groups).toEqual([{ matchId: 'm-1', profileIds: ['p-1', 'p-2'], confidence: 0.9 }]);
    expect(out.rejected.map((r) => r.line)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(out.rejected[0]?.reason).toMatch(/no profile_id/);
    expect(out.rejected[1]?.reason).toMatch(/no MatchID for p-3/);
    expect(out.rejected[2]?.reason).toMatch(/ConfidenceLevel "high"/);
    expect(out.rejected[3]?.reason).toMatch(/expected 5 fields, got 4/);
    expect(out.rejected[4]?.reason).toMatch(/p-1 is in MatchID m-1 and again in MatchID m-3/);
    expect(out.rejected[5]?.reason).toMatch(/unreadable CSV/);
  });

  it('counts a profile listed twice in one set once', async () => {
    serve(['profile_id,MatchID', 'p-1,m', 'p-1,m', 'p-2,m', 'p-3,n', 'p-3,n'].join('\n'));
    const out = await readMatchOutput(s3, 'lake', KEY);
    expect(out.groups).toEqual([{ matchId: 'm', profileIds: ['p-1', 'p-2'] }]);
  });

  it('matches the metadata columns case-insensitively, takes another id column, and reads gzip', async () => {
    serve(gzipSync(['CUSTOMER_ID,matchid,matchrule', 'c-1,x,r1', 'c-2,x,r2', 'c-3,x,r2'].join('\n')));
    const out = await readMatchOutput(s3, 'lake', `${KEY}.gz`, { idColumn: 'customer_id' });
    expect(out.groups).toEqual([{ matchId: 'x', profileIds: ['c-1', 'c-2', 'c-3'], rule: 'r2' }]);
  });

  it('fails on a file without the id or MatchID column, and reads an empty file as no groups', async () => {
    serve(['first_name,MatchID', 'ada,m'].join('\n'));
    await expect(readMatchOutput(s3, 'lake', KEY)).rejects.toThrow(/no profile_id column/);
    serve('profile_id,last_name\np-1,x\n');
    await expect(readMatchOutput(s3, 'lake', KEY)).rejects.toThrow(/no MatchID column/);
    expect(await parseMatchOutput(Readable.from([]))).toEqual({ groups: [], rejected: [], rows: 0 });
  });

  it('passes on a failed read', async () => {
    s3mock.on(GetObjectCommand).rejects(new Error('AccessDenied'));
    await expect(readMatchOutput(s3, 'lake', KEY)).rejects.toThrow(/AccessDenied/);
  });
});

describe('readJobMatchOutput', () => {
  const FOLDER = 'entity-resolution/output/c360-profiles/0123456789abcdef0123456789abcdef/success/';
  const files: Record<string, string> = {
    [`${FOLDER}part-00000.csv`]: ['profile_id,InputSourceARN,MatchRule,MatchID', `p-1,${ARN},email-name,m-1`, `p-3,${ARN},,m-2`, `p-4,${ARN},name-dateOfBirth,m-3`].join('\n'),
    [`${FOLDER}part-00001.csv`]: ['profile_id,InputSourceARN,MatchRule,MatchID', `p-2,${ARN},email-name,m-1`, `p-5,${ARN},name-dateOfBirth,m-3`, `,${ARN},x,m-9`].join('\n'),
  };

  it('groups the records of one MatchID spread over a job\'s files, listing them page by page', async () => {
    const keys = Object.keys(files);
    s3mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: keys[1] }, { Key: `${FOLDER}` }], IsTruncated: true, NextContinuationToken: 't1' })
      .resolvesOnce({ Contents: [{ Key: keys[0] }], IsTruncated: false });
    s3mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      return { Body: Readable.from([Buffer.from(files[input.Key] ?? '')]) } as unknown as GetObjectCommandOutput;
    });

    const out = await readJobMatchOutput(s3, 'lake', FOLDER);

    expect(out.keys).toEqual(keys);
    expect(s3mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'lake', Prefix: FOLDER },
      { Bucket: 'lake', Prefix: FOLDER, ContinuationToken: 't1' },
    ]);
    expect(out.groups).toEqual([
      { matchId: 'm-1', profileIds: ['p-1', 'p-2'], rule: 'email-name' },
      { matchId: 'm-3', profileIds: ['p-4', 'p-5'], rule: 'name-dateOfBirth' },
    ]);
    expect(out.rows).toBe(6);
    expect(out.rejected).toEqual([{ line: 4, reason: 'no profile_id', key: keys[1] }]);
  });

  it('takes only a success folder', async () => {
    await expect(readJobMatchOutput(s3, 'lake', FOLDER.replace('success/', 'error/'))).rejects.toThrow(/not a job's success\/ folder/);
    expect(successFolderOf(`${FOLDER}part-00000.csv`)).toBe(FOLDER);
    expect(successFolderOf(`${FOLDER.replace('success/', 'error/')}part-00000.csv`)).toBeUndefined();
  });
});

describe('isMatchOutputKey', () => {
  it('is true for files under a job success folder only', () => {
    expect(isMatchOutputKey(KEY)).toBe(true);
    expect(isMatchOutputKey(KEY.replace('/success/', '/error/'))).toBe(false);
    expect(isMatchOutputKey('entity-resolution/output/c360-profiles/0123/success/')).toBe(false);
    expect(isMatchOutputKey('entity-resolution/output/c360-profiles/0123/success/nested/part.csv')).toBe(false);
  });
});
