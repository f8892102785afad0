import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoSuppressionList } from '../../../lambda/governance/adapters/dynamodb-suppression-list';
import { S3ErasureRecords } from '../../../lambda/governance/adapters/s3-erasure-records';
import { clearHashKeyCache, secretsHashKey, secretsSubjectHasher } from '../../../lambda/governance/adapters/secrets-hash-key';
import { SfnErasureStarter } from '../../../lambda/governance/adapters/sfn-erasure-starter';
import { erasureReceiptKey, erasureWorkKey, type ErasureReceipt, type ErasureRequest, type ErasureSubject } from '../../../lambda/governance/contracts/erasure';
import { documentClient } from '../../../lambda/shared/clients';
import { FakeS3 } from './fake-s3';

const ddb = mockClient(DynamoDBDocumentClient);
const s3mock = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);
const sfn = mockClient(SFNClient);

beforeEach(() => {
  ddb.reset();
  s3mock.reset();
  secrets.reset();
  sfn.reset();
  clearHashKeyCache();
});

/** The suppression table: items by `h`, with the conditions the adapter uses. */
function suppressionTable(opts: { unprocessedOnce?: boolean } = {}) {
  const items = new Map<string, Record<string, unknown>>();
  let unprocessed = opts.unprocessedOnce === true;
  ddb.on(BatchGetCommand).callsFake((input) => {
    const [table, req] = Object.entries(input.RequestItems as Record<string, { Keys: { h: string }[] }>)[0] as [string, { Keys: { h: string }[] }];
    // The first call leaves the last key unprocessed (as DynamoDB may under load).
    const keys = unprocessed ? req.Keys.slice(0, -1) : req.Keys;
    const left = unprocessed ? req.Keys.slice(-1) : [];
    unprocessed = false;
    return { Responses: { [table]: keys.map((k) => items.get(k.h)).filter((x) => x !== undefined) }, UnprocessedKeys: left.length > 0 ? { [table]: { Keys: left } } : {} };
  });
  ddb.on(PutCommand).callsFake((input) => {
    const item = input.Item as { h: string };
    if (input.ConditionExpression === 'attribute_not_exists(#h)' && items.has(item.h)) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    items.set(item.h, item);
    return {};
  });
  ddb.on(DeleteCommand).callsFake((input) => {
    const h = (input.Key as { h: string }).h;
    const old = items.get(h);
    items.delete(h);
    return old === undefined ? {} : { Attributes: old };
  });
  return items;
}

describe('DynamoSuppressionList', () => {
  const list = () => new DynamoSuppressionList(documentClient({ region: 'eu-west-1' }), 'suppression', () => Date.UTC(2026, 11, 2));

  it('answers which hashes are suppressed, retrying keys DynamoDB left unprocessed', async () => {
    const items = suppressionTable({ unprocessedOnce: true });
    items.set('a', { h: 'a' });
    items.set('c', { h: 'c' });
    expect(await list().suppressed(['a', 'b', 'c'])).toEqual(new Set(['a', 'c']));
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(2);
  });

  it('adds idempotently: a listed hash keeps the request that first added it', async () => {
    const items = suppressionTable();
    await list().add(['a', 'b'], 'req-1');
    await list().add(['b', 'c'], 'req-2');
    expect(items.get('b')).toEqual({ h: 'b', requestId: 'req-1', at: '2026-12-02T00:00:00.000Z' });
    expect([...items.keys()].sort()).toEqual(['a', 'b', 'c']);
  });

  it('removes and counts only the hashes that were listed', async () => {
    const items = suppressionTable();
    await list().add(['a', 'b'], 'req-1');
    expect(await list().remove(['a', 'x', 'a'], 'req-3')).toBe(1);
    expect([...items.keys()]).toEqual(['b']);
  });

  it('looks up large sets in batches of 100', async () => {
    suppressionTable();
    await list().suppressed(Array.from({ length: 250 }, (_, i) => `h${i}`));
    expect(ddb.commandCalls(BatchGetCommand).map((c) => (Object.values(c.args[0].input.RequestItems ?? {})[0]?.Keys ?? []).length)).toEqual([100, 100, 50]);
  });
});

describe('S3ErasureRecords', () => {
  const subject: ErasureSubject = { requestId: 'req-00000001', profileIds: ['p-1'], identifiers: [{ type: 'email', value: 'a@example.com' }], values: [], hashes: ['h'] };
  const receipt = { requestId: 'req-00000001', subject: 'hash', status: 'running', stores: [] } as unknown as ErasureReceipt;

  it('keeps the subject and the receipt under the contract keys, and reads them back', async () => {
    const fake = new FakeS3();
    fake.install(s3mock);
    const records = new S3ErasureRecords(new S3Client({ region: 'eu-west-1' }), 'gov');
    await records.putSubject(subject);
    await records.putReceipt(receipt);

    expect(fake.current('gov', erasureWorkKey('req-00000001'))?.contentType).toBe('application/json');
    expect(fake.current('gov', erasureReceiptKey('req-00000001'))).toBeDefined();
    expect(await records.getSubject('req-00000001')).toEqual(subject);
    expect(await records.getReceipt('req-00000001')).toEqual(receipt);
    expect(await records.getReceipt('req-00000002')).toBeUndefined();
    expect(await records.getReceipt('../../etc')).toBeUndefined();
  });

  it('deletes every version of the work object and leaves the receipt', async () => {
    const fake = new FakeS3();
    fake.install(s3mock);
    const records = new S3ErasureRecords(new S3Client({ region: 'eu-west-1' }), 'gov');
    await records.putSubject(subject);
    await records.putSubject(subject);
    await records.putReceipt(receipt);

    await records.deleteSubject('req-00000001');

    expect(fake.versions('gov', erasureWorkKey('req-00000001'))).toEqual([]);
    expect(await records.getSubject('req-00000001')).toBeUndefined();
    expect(await records.getReceipt('req-00000001')).toEqual(receipt);
  });

  it('refuses to write under a request id that is not one', async () => {
    const records = new S3ErasureRecords(new S3Client({ region: 'eu-west-1' }), 'gov');
    await expect(records.putSubject({ ...subject, requestId: '../x' })).rejects.toThrow('not an erasure request id');
  });
});

describe('secretsHashKey', () => {
  const client = () => new SecretsManagerClient({ region: 'eu-west-1' });
  const generated = 'Xq3vN8kLp2Rt7YwZ0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefghij';
  const key = Buffer.from(generated, 'utf8');

  it('reads the key once per process', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: generated });
    const a = await secretsHashKey(client(), 'arn:secret');
    const b = await secretsHashKey(client(), 'arn:secret');
    expect(Buffer.from(a)).toEqual(key);
    expect(b).toBe(a);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('takes a binary secret or the bytes of a generated string, and hashes with it', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array(key) });
    const fromBinary = await secretsSubjectHasher(client(), 'arn:binary');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: generated });
    const fromString = await secretsSubjectHasher(client(), 'arn:string');
    const id = { type: 'email', value: 'a@example.com' };
    expect(fromBinary.identifier(id)).toBe(fromString.identifier(id));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: generated.replace('X', 'Y') });
    expect((await secretsSubjectHasher(client(), 'arn:other')).identifier(id)).not.toBe(fromString.identifier(id));
  });

  it('refuses a key shorter than 32 bytes, and tries again on the next call', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(secretsHashKey(client(), 'arn:short')).rejects.toThrow('at least 32');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: generated });
    expect(Buffer.from(await secretsHashKey(client(), 'arn:short'))).toEqual(key);
  });
});

describe('SfnErasureStarter', () => {
  const request: ErasureRequest = { requestId: 'req-00000001', target: { profileId: 'p-1' }, requestedBy: 'arn:aws:iam::1:user/dpo', requestedAt: '2026-12-02T00:00:00Z' };

  it('starts one execution named after the request id, with the request as input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    await new SfnErasureStarter(new SFNClient({ region: 'eu-west-1' }), 'arn:sm').start(request);
    const input = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ stateMachineArn: 'arn:sm', name: 'req-00000001' });
    expect(JSON.parse(input?.input as string)).toEqual(request);
  });

  it('treats an execution already started for the request as started', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(new SfnErasureStarter(new SFNClient({ region: 'eu-west-1' }), 'arn:sm').start(request)).resolves.toBeUndefined();
    sfn.on(StartExecutionCommand).rejects(new Error('AccessDenied'));
    await expect(new SfnErasureStarter(new SFNClient({ region: 'eu-west-1' }), 'arn:sm').start(request)).rejects.toThrow('AccessDenied');
  });
});
