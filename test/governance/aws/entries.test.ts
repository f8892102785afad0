import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { erasureWorkKey, ERASURE_STORES, type ErasureSubject, type StoreReport } from '../../../lambda/governance/contracts/erasure';
import { FakeS3 } from './fake-s3';

const s3mock = mockClient(S3Client);
const context = { functionName: 'erasure-step', awsRequestId: 'r-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:f', memoryLimitInMB: '1024' } as unknown as Context;
const subject: ErasureSubject = { requestId: 'req-00000001', profileIds: ['p-alice'], identifiers: [{ type: 'userId', value: 'u-alice' }], values: [], hashes: ['h'] };

const saved = { ...process.env };
let fake: FakeS3;
beforeEach(() => {
  vi.resetModules();
  s3mock.reset();
  fake = new FakeS3();
  fake.install(s3mock);
  fake.put('gov', erasureWorkKey(subject.requestId), JSON.stringify(subject));
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'c360-test';
  process.env.POWERTOOLS_SERVICE_NAME = 'erasure-step';
  process.env.GOVERNANCE_BUCKET = 'gov';
  process.env.AWS_REGION = 'eu-west-1';
});
afterEach(() => {
  process.env = { ...saved };
});

type StepHandler = (event: { requestId: string }, ctx: Context) => Promise<StoreReport>;
const loadStep = async () => ((await import('../../../lambda/governance/functions/erasure-step')) as unknown as { handler: StepHandler }).handler;

describe('erasure-step entry', () => {
  it("erases the store ERASURE_STORE names, reading the subject from the work object", async () => {
    process.env.ERASURE_STORE = 'raw-lake';
    process.env.LAKE_BUCKET = 'lake';
    fake.put('lake', 'raw/source=web/dt=2026-11-01/a.jsonl', '{"userId":"u-alice"}\n{"userId":"u-bob"}\n');

    const report = await (await loadStep())({ requestId: subject.requestId }, context);

    expect(report).toMatchObject({ store: 'raw-lake', status: 'erased', itemsAffected: 1 });
    expect(new TextDecoder().decode(fake.current('lake', 'raw/source=web/dt=2026-11-01/a.jsonl')?.body)).toBe('{"userId":"u-bob"}\n');
  });

  it('reports redshift not-deployed when the deployment has no workgroup', async () => {
    process.env.ERASURE_STORE = 'redshift';
    const report = await (await loadStep())({ requestId: subject.requestId }, context);
    expect(report).toMatchObject({ store: 'redshift', status: 'not-deployed' });
  });

  it('fails at cold start on a store that is not one, naming the variable', async () => {
    process.env.ERASURE_STORE = 'mailbox';
    await expect(loadStep()).rejects.toThrow(/ERASURE_STORE=mailbox is not one of/);
  });

  it('builds an eraser for every store from its environment', async () => {
    Object.assign(process.env, {
      TABLE_NAME: 't',
      LAKE_BUCKET: 'lake',
      LANDING_BUCKET: 'landing',
      CURATED_BUCKET: 'curated',
      QUERY_RESULTS_BUCKET: 'results',
      REDSHIFT_WORKGROUP: 'wg',
      REDSHIFT_DATABASE: 'c360',
      STREAM_NAME: 'events',
      STREAM_RETENTION_HOURS: '24',
    });
    for (const store of ERASURE_STORES) {
      vi.resetModules();
      process.env.ERASURE_STORE = store;
      await expect(loadStep(), store).resolves.toBeTypeOf('function');
    }
  });

  it('rejects an input without a request id', async () => {
    process.env.ERASURE_STORE = 'query-results';
    process.env.QUERY_RESULTS_BUCKET = 'results';
    await expect((await loadStep())({ requestId: 'x' }, context)).rejects.toThrow('{ requestId }');
  });
});

describe('erasure-resolve and erasure-receipt entries', () => {
  it('resolve keeps the subject out of the workflow state; receipt suppresses, completes and deletes the work object', async () => {
    const { DynamoDBDocumentClient, BatchGetCommand, PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const { FirehoseClient, PutRecordBatchCommand } = await import('@aws-sdk/client-firehose');
    const ddb = mockClient(DynamoDBDocumentClient);
    const secrets = mockClient(SecretsManagerClient);
    const firehose = mockClient(FirehoseClient);
    // Nobody in the graph: the erasure still completes and suppresses the identifier named.
    ddb.on(BatchGetCommand).callsFake((input) => ({ Responses: { [Object.keys(input.RequestItems)[0] as string]: [] } }));
    const suppressed: string[] = [];
    ddb.on(PutCommand).callsFake((input) => {
      suppressed.push((input.Item as { h: string }).h);
      return {};
    });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(64) });
    const audited: string[] = [];
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: { Data: Uint8Array }[] }) => {
      audited.push(...input.Records.map((r) => Buffer.from(r.Data).toString('utf8')));
      return { FailedPutCount: 0, RequestResponses: input.Records.map((_, i) => ({ RecordId: `r${i}` })) };
    });
    const requestId = 'req-00000002';
    Object.assign(process.env, {
      TABLE_NAME: 'profiles',
      SUPPRESSION_TABLE: 'suppression',
      HASH_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:hash',
      AUDIT_DELIVERY_STREAM: 'audit',
      STREAM_RETENTION_HOURS: '24',
    });
    type Handler = (event: unknown, ctx: Context) => Promise<Record<string, unknown>>;
    const resolve = ((await import('../../../lambda/governance/functions/erasure-resolve')) as unknown as { handler: Handler }).handler;
    const out = await resolve(
      { requestId, target: { identifier: { type: 'email', value: 'carol@example.com' } }, requestedBy: 'arn:aws:iam::1:user/dpo', requestedAt: '2026-12-02T00:00:00Z' },
      context,
    );

    expect(out).toEqual({ requestId });
    expect(suppressed).toHaveLength(1);
    expect(fake.current('gov', erasureWorkKey(requestId))).toBeDefined();
    expect(audited.join('')).not.toContain('carol@example.com');

    // The receipt step needs neither the hash key nor the identity graph.
    delete process.env.HASH_KEY_SECRET_ARN;
    delete process.env.TABLE_NAME;
    const receiptStep = ((await import('../../../lambda/governance/functions/erasure-receipt')) as unknown as { handler: Handler }).handler;
    const reports: StoreReport[] = ERASURE_STORES.map((store) => ({ store, method: 'x', status: 'nothing-found', itemsAffected: 0, completedAt: '2026-12-02T00:00:01Z' }));
    expect(await receiptStep({ requestId, reports }, context)).toEqual({ requestId, status: 'complete' });

    // Suppressed by the resolve step already, and again (idempotently) by the receipt step.
    expect(new Set(suppressed).size).toBe(1);
    expect(fake.versions('gov', erasureWorkKey(requestId))).toEqual([]);
    const receipt = JSON.parse(new TextDecoder().decode(fake.current('gov', `erasure/receipts/${requestId}.json`)?.body)) as { status: string; suppressed: number };
    expect(receipt).toMatchObject({ status: 'complete', suppressed: 1 });
    expect(JSON.stringify(receipt)).not.toContain('carol');
    expect(audited.map((l) => JSON.parse(l).action)).toEqual(['erasure.request', 'suppression.add', 'erasure.complete']);
  });
});

describe('privacy-api entry', () => {
  it('starts the erasure workflow for a request and answers 202 with its id', async () => {
    const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    Object.assign(process.env, {
      ERASURE_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:1:stateMachine:erasure',
      SUPPRESSION_TABLE: 'suppression',
      HASH_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:hash',
      AUDIT_DELIVERY_STREAM: 'audit',
    });
    type Handler = (event: unknown, ctx: Context) => Promise<{ statusCode: number; body: string }>;
    const api = ((await import('../../../lambda/governance/functions/privacy-api')) as unknown as { handler: Handler }).handler;
    const res = await api(
      { httpMethod: 'POST', path: '/privacy/erasures', resource: '/privacy/erasures', body: JSON.stringify({ identifier: { type: 'email', value: 'Dan@Example.com' } }), requestContext: { identity: { userArn: 'arn:aws:iam::1:user/dpo' } } },
      context,
    );
    expect(res.statusCode).toBe(202);
    const { requestId } = JSON.parse(res.body) as { requestId: string };
    const input = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ stateMachineArn: 'arn:aws:states:eu-west-1:1:stateMachine:erasure', name: requestId });
    expect(JSON.parse(input?.input as string)).toMatchObject({ requestId, target: { identifier: { type: 'email', value: 'dan@example.com' } }, requestedBy: 'arn:aws:iam::1:user/dpo' });
  });
});
