/**
 * The deployed erasers of the activation stores against mocked AWS APIs:
 * the audience exports bucket (versioned: rows removed from the current
 * object, older versions holding the person deleted, manifests kept) and
 * Amazon Personalize (the USER_ID list written, the data deletion job
 * created, a retry recognised).
 */
import { createHash } from 'node:crypto';
import { CreateDataDeletionJobCommand, PersonalizeClient, ResourceAlreadyExistsException } from '@aws-sdk/client-personalize';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { s3AudienceExportsEraser } from '../../../lambda/governance/adapters/activation-erasers';
import { PersonalizeEraser } from '../../../lambda/governance/adapters/personalize-eraser';
import type { ErasureSubject } from '../../../lambda/governance/contracts/erasure';
import { FakeS3 } from './fake-s3';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const clock = () => Date.UTC(2026, 11, 2, 7);
const BUCKET = 'exports';

const ana: ErasureSubject = {
  requestId: 'req-00000042',
  profileIds: ['p-ana', 'p-ana-app'],
  identifiers: [
    { type: 'email', value: 'ana@example.com' },
    { type: 'phone', value: '+14155550142' },
  ],
  values: ['Ana', 'Lopez'],
  hashes: ['h1', 'h2'],
};

describe('audience exports eraser (S3)', () => {
  const s3mock = mockClient(S3Client);
  const s3 = new S3Client({ region: 'eu-west-1' });
  let fake: FakeS3;
  beforeEach(() => {
    s3mock.reset();
    fake = new FakeS3({ pageSize: 2 });
    fake.install(s3mock);
  });

  const meta = (...rows: string[][]) => ['email,phone,fn,ln,ct,zip,country', ...rows.map((r) => r.join(','))].join('\n') + '\n';
  const google = (...rows: string[][]) => ['Email,Phone,First Name,Last Name,Country,Zip', ...rows.map((r) => r.join(','))].join('\n') + '\n';
  const bob = { email: sha('bob@example.com'), phone: sha('+14155550199') };

  it("rewrites the current CSVs without the person's rows as each platform hashed them, deletes older versions, and keeps manifests", async () => {
    const run = 'audiences/vip/20261202T060000000Z';
    fake.put(BUCKET, `${run}/meta.csv`, meta([sha('ana@example.com'), sha('14155550142'), sha('ana'), '', '', '', ''], [bob.email, '', '', '', '', '', '']), { contentType: 'text/csv; charset=utf-8' });
    fake.put(BUCKET, `${run}/google.csv`, google(['', sha('+14155550142'), '', '', 'US', '94107'], [bob.email, bob.phone, '', '', '', '']), { contentType: 'text/csv; charset=utf-8' });
    const manifest = JSON.stringify({ export: 'vip', members: 2, exported: 2 });
    fake.put(BUCKET, `${run}/manifest.json`, manifest);
    // An earlier version of a key, overwritten since, still holds her.
    const older = 'audiences/vip/20261201T060000000Z/meta.csv';
    fake.put(BUCKET, older, meta([sha('ana@example.com'), '', '', '', '', '', '']));
    fake.put(BUCKET, older, meta([bob.email, '', '', '', '', '', '']));
    // Outside audiences/: not this store's.
    fake.put(BUCKET, 'other/meta.csv', meta([sha('ana@example.com'), '', '', '', '', '', '']));

    const report = await s3AudienceExportsEraser(s3, BUCKET, 'US', { clock }).erase(ana);

    expect(report).toMatchObject({ store: 'audience-exports', method: 'rewrite objects', status: 'erased', itemsAffected: 2, objectsAffected: 3 });
    expect(new TextDecoder().decode(fake.current(BUCKET, `${run}/meta.csv`)?.body)).toBe(meta([bob.email, '', '', '', '', '', '']));
    expect(new TextDecoder().decode(fake.current(BUCKET, `${run}/google.csv`)?.body)).toBe(google([bob.email, bob.phone, '', '', '', '']));
    expect(fake.current(BUCKET, `${run}/meta.csv`)?.contentType).toBe('text/csv; charset=utf-8');
    // One version left of each rewritten key: the pre-erasure bytes are gone.
    expect(fake.versions(BUCKET, `${run}/meta.csv`)).toHaveLength(1);
    expect(fake.versions(BUCKET, older)).toHaveLength(1);
    expect(new TextDecoder().decode(fake.current(BUCKET, `${run}/manifest.json`)?.body)).toBe(manifest);
    expect(fake.allText(BUCKET).split('other/meta.csv')[0]).not.toContain(sha('ana@example.com'));
    expect(fake.current(BUCKET, 'other/meta.csv')).toBeDefined();
  });

  it('reports nothing-found when no export holds them', async () => {
    fake.put(BUCKET, 'audiences/vip/20261202T060000000Z/meta.csv', meta([bob.email, '', '', '', '', '', '']));
    const report = await s3AudienceExportsEraser(s3, BUCKET, 'US', { clock }).erase(ana);
    expect(report).toMatchObject({ status: 'nothing-found', itemsAffected: 0 });
    expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('PersonalizeEraser', () => {
  const s3mock = mockClient(S3Client);
  const pmock = mockClient(PersonalizeClient);
  const s3 = new S3Client({ region: 'eu-west-1' });
  const personalize = new PersonalizeClient({ region: 'eu-west-1' });
  const opts = {
    datasetGroupArn: 'arn:aws:personalize:eu-west-1:123456789012:dataset-group/c360',
    bucket: 'models',
    roleArn: 'arn:aws:iam::123456789012:role/deletion',
    clock,
  };
  beforeEach(() => {
    s3mock.reset();
    pmock.reset();
    s3mock.on(PutObjectCommand).resolves({});
  });

  it('writes a USER_ID list of their profile ids and starts a data deletion job on the dataset group, reported scheduled', async () => {
    pmock.on(CreateDataDeletionJobCommand).resolves({ dataDeletionJobArn: 'arn:aws:personalize:eu-west-1:123456789012:data-deletion-job/c360-erasure-req-00000042' });
    const report = await new PersonalizeEraser(s3, personalize, opts).erase(ana);
    const put = s3mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: 'models', Key: 'personalize/deletions/req-00000042.csv', ContentType: 'text/csv' });
    expect(put?.Body).toBe('USER_ID\np-ana\np-ana-app\n');
    expect(pmock.commandCalls(CreateDataDeletionJobCommand)[0]?.args[0].input).toEqual({
      jobName: 'c360-erasure-req-00000042',
      datasetGroupArn: opts.datasetGroupArn,
      dataSource: { dataLocation: 's3://models/personalize/deletions/req-00000042.csv' },
      roleArn: opts.roleArn,
    });
    expect(report).toMatchObject({ store: 'personalize', method: 'CreateDataDeletionJob', status: 'scheduled', itemsAffected: 0, completedAt: '2026-12-02T07:00:00.000Z' });
    expect(report.message).toMatch(/2 users/);
    expect(report.message).toMatch(/within about a day/);
    expect(report.message).toMatch(/retrain/);
    // No identifier of theirs in the list or the report: profile ids only.
    expect(JSON.stringify(report) + String(put?.Body)).not.toMatch(/ana@example\.com|4155550142/);
  });

  it('recognises the job an earlier attempt created', async () => {
    pmock.on(CreateDataDeletionJobCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', $metadata: {} }));
    const report = await new PersonalizeEraser(s3, personalize, opts).erase(ana);
    expect(report.status).toBe('scheduled');
    expect(report.message).toMatch(/created by an earlier attempt/);
  });

  it('fails on any other error, and creates nothing for a person without a profile', async () => {
    pmock.on(CreateDataDeletionJobCommand).rejects(new Error('AccessDenied'));
    await expect(new PersonalizeEraser(s3, personalize, opts).erase(ana)).rejects.toThrow(/AccessDenied/);
    pmock.reset();
    s3mock.reset();
    const none = await new PersonalizeEraser(s3, personalize, opts).erase({ ...ana, profileIds: [] });
    expect(none).toMatchObject({ status: 'nothing-found' });
    expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(pmock.commandCalls(CreateDataDeletionJobCommand)).toHaveLength(0);
  });

  it("names its job within Personalize's 63 characters, distinct for long request ids that share a beginning", async () => {
    pmock.on(CreateDataDeletionJobCommand).resolves({});
    await new PersonalizeEraser(s3, personalize, opts).erase({ ...ana, requestId: `${'a'.repeat(63)}1` });
    await new PersonalizeEraser(s3, personalize, opts).erase({ ...ana, requestId: `${'a'.repeat(63)}2` });
    const names = pmock.commandCalls(CreateDataDeletionJobCommand).map((c) => c.args[0].input.jobName ?? '');
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^c360-erasure-[a-zA-Z0-9\-_]*$/);
    }
    expect(new Set(names).size).toBe(2);
  });
});
