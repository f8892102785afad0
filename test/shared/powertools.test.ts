/**
 * The Powertools wiring of the Lambda entries (functions/): what middy puts
 * around each handler, seen in what an invocation writes and traces.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EntityResolutionClient, ListMatchingJobsCommand } from '@aws-sdk/client-entityresolution';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { COLLECTION_ENV } from '../../lambda/collection/contracts/env';
import { documentClient } from '../../lambda/shared/clients';
import { UNIFICATION_ENV } from '../../lambda/unification/contracts/env';
import { GOVERNANCE_ENV } from '../../lambda/governance/contracts/env';

type Json = Record<string, any>;
/** A Lambda entry: its exported handler, as the runtime calls it. */
type Entry = { handler: (event: any, context: Context) => Promise<any> };

const FUNCTION_NAME = 'c360-test-function';

function lambdaContext(awsRequestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: '2026/01/01/[$LATEST]0000',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Invokes `handler`, returning its result, every JSON line written to stdout or
 * stderr meanwhile (log lines and EMF documents) and anything else printed.
 */
async function invoke(entry: Entry, event: unknown, awsRequestId: string): Promise<{ result: any; lines: Json[]; other: string[] }> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const warnings = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => chunks.push(`${args.join(' ')}\n`));
  try {
    const result = await entry.handler(event, lambdaContext(awsRequestId));
    const printed = chunks.join('').split('\n').filter((line) => line.trim() !== '');
    return {
      result,
      lines: printed.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Json),
      other: printed.filter((line) => !line.startsWith('{')),
    };
  } finally {
    out.mockRestore();
    err.mockRestore();
    warnings.mockRestore();
  }
}

const isEmf = (line: Json) => line._aws !== undefined;
const metricNames = (emf: Json): string[] => emf._aws.CloudWatchMetrics.flatMap((m: Json) => m.Metrics.map((x: Json) => x.Name));

const ENV: Record<string, string> = {
  [COLLECTION_ENV.stream]: 'events',
  [COLLECTION_ENV.landingBucket]: 'landing',
  [COLLECTION_ENV.writeKeysSecret]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:write-keys',
  [UNIFICATION_ENV.table]: 'profiles',
  [UNIFICATION_ENV.lakeBucket]: 'lake',
  [UNIFICATION_ENV.eventBus]: 'segments',
  [UNIFICATION_ENV.matchingWorkflow]: 'people',
  [UNIFICATION_ENV.snapshotSegments]: '2',
  [GOVERNANCE_ENV.auditStream]: 'audit',
  [GOVERNANCE_ENV.hashKeySecret]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:hash-key',
  [GOVERNANCE_ENV.suppressionTable]: 'suppression',
  // What C360Function and the Lambda runtime set.
  POWERTOOLS_SERVICE_NAME: 'c360-test',
  POWERTOOLS_METRICS_NAMESPACE: 'c360',
  // DEBUG, so that the entries that log only at debug on a quiet invocation are seen too.
  POWERTOOLS_LOG_LEVEL: 'DEBUG',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

const dynamo = mockClient(DynamoDBDocumentClient);
const entityResolution = mockClient(EntityResolutionClient);
const secrets = mockClient(SecretsManagerClient);

beforeAll(() => {
  for (const [name, value] of Object.entries(ENV)) vi.stubEnv(name, value);
  // Outside Lambda, as in every test and local run: Tracer must switch itself off.
  vi.stubEnv('AWS_EXECUTION_ENV', undefined);
});
afterAll(() => {
  vi.unstubAllEnvs();
  dynamo.restore();
  entityResolution.restore();
  secrets.restore();
});
beforeEach(() => {
  // Fresh modules per test: each entry gets its own Powertools instances, so its first invocation is a cold start.
  vi.resetModules();
  dynamo.reset();
  entityResolution.reset();
  secrets.reset();
  // The hash key of audit subjects and suppression entries.
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'k'.repeat(64) });
  dynamo.on(QueryCommand).resolves({ Items: [] });
  entityResolution.on(ListMatchingJobsCommand).resolves({ jobs: [{ jobId: 'job-1', status: 'RUNNING' }] as never });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Each Lambda entry with an invocation that does no real I/O (the SDK calls it makes are mocked above). */
const ENTRIES: Array<{ name: string; load: () => Promise<Entry>; event: unknown }> = [
  {
    name: 'collector',
    load: () => import('../../lambda/collection/functions/collector'),
    event: collectorRequestWithoutWriteKey(),
  },
  { name: 'file-import', load: () => import('../../lambda/collection/functions/file-import'), event: { Records: [] } },
  { name: 'unify-consumer', load: () => import('../../lambda/unification/functions/unify-consumer'), event: { Records: [] } },
  { name: 'segment-changes', load: () => import('../../lambda/unification/functions/segment-changes'), event: { Records: [] } },
  {
    name: 'unmerge-api',
    load: () => import('../../lambda/unification/functions/unmerge-api'),
    // An unmerge: the entry logs the request.
    event: {
      httpMethod: 'POST',
      path: '/profiles/p-1/unmerge',
      queryStringParameters: null,
      pathParameters: null,
      body: JSON.stringify({ restoredId: 'p-2', reason: 'test' }),
      headers: {},
    },
  },
  {
    name: 'apply-matches',
    load: () => import('../../lambda/unification/functions/apply-matches'),
    // Not a job's success folder: nothing to read or apply.
    event: { detail: { bucket: { name: 'lake' }, object: { key: 'elsewhere/file.csv' } } },
  },
  { name: 'recheck-profiles', load: () => import('../../lambda/unification/functions/recheck-profiles'), event: {} },
  { name: 'profile-snapshot', load: () => import('../../lambda/unification/functions/profile-snapshot'), event: {} },
];

function collectorRequestWithoutWriteKey() {
  return {
    version: '2.0',
    routeKey: 'POST /v1/{type}',
    rawPath: '/v1/track',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event: 'Signed Up', userId: 'u-1' }),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: '/v1/track', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' } },
  };
}

describe('every Lambda entry', () => {
  it.each(ENTRIES)('$name: logs with the request id and cold start, and counts the cold start once', async ({ load, event }) => {
    const entry = await load();

    const first = await invoke(entry, event, 'request-1');
    // Structured lines only: in particular no Tracer or X-Ray SDK warning, tracing being off outside Lambda.
    expect(first.other).toEqual([]);
    const logs = first.lines.filter((line) => !isEmf(line));
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(line).toMatchObject({ function_request_id: 'request-1', cold_start: true, function_name: FUNCTION_NAME, service: 'c360-test' });
    }
    // The ColdStart metric of logMetrics(captureColdStartMetric), once per execution environment.
    const coldStart = first.lines.filter((line) => isEmf(line) && metricNames(line).includes('ColdStart'));
    expect(coldStart).toEqual([expect.objectContaining({ ColdStart: 1, function_name: FUNCTION_NAME, service: 'c360-test' })]);

    const second = await invoke(entry, event, 'request-2');
    const secondLogs = second.lines.filter((line) => !isEmf(line));
    expect(secondLogs.length).toBeGreaterThan(0);
    for (const line of secondLogs) expect(line).toMatchObject({ function_request_id: 'request-2', cold_start: false });
    expect(second.lines.filter((line) => isEmf(line) && metricNames(line).includes('ColdStart'))).toEqual([]);
  });
});

describe('the collector entry', () => {
  it('keeps its metrics and log line, now with the request context', async () => {
    const entry = await import('../../lambda/collection/functions/collector');
    const { result, lines } = await invoke(entry, collectorRequestWithoutWriteKey(), 'request-1');

    expect(result.statusCode).toBe(401);
    expect(lines.filter((line) => !isEmf(line))).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'collector request refused or partly rejected',
        statusCode: 401,
        error: 'unauthorized',
        function_request_id: 'request-1',
        cold_start: true,
      }),
    ]);
    const requests = lines.filter((line) => isEmf(line) && metricNames(line).includes('Requests'));
    expect(requests).toEqual([expect.objectContaining({ Requests: 1, service: 'c360-test' })]);
    expect(requests[0]!._aws.CloudWatchMetrics[0].Namespace).toBe('c360');
  });
});

describe('tracing', () => {
  it('is off outside Lambda: SDK clients are left as they are', async () => {
    const { tracer, traced } = await import('../../lambda/shared/powertools');
    expect(tracer.isTracingEnabled()).toBe(false);
    const s3 = new S3Client({ region: 'us-east-1' });
    expect(traced(s3)).toBe(s3);
    expect(s3.middlewareStack.identify().join()).not.toMatch(/XRay/);
  });

  it('when on, records the calls of SDK clients, the DocumentClient included', async () => {
    const { tracer, traced } = await import('../../lambda/shared/powertools');
    vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
    const doc = traced(documentClient({ region: 'us-east-1' }));
    expect(doc.middlewareStack.identify().join()).toMatch(/XRaySDKInstrumentation/);
  });

  it('when on, runs each invocation in its own subsegment, annotated with cold start, without the response (it carries personal data)', async () => {
    const { tracer } = await import('../../lambda/shared/powertools');
    const entry = await import('../../lambda/unification/functions/profile-api');
    const handlerSegment = { name: '## handler', close: vi.fn() };
    const lambdaSegment = { addNewSubsegment: vi.fn(() => handlerSegment) };
    vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
    vi.spyOn(tracer, 'getSegment').mockReturnValue(lambdaSegment as never);
    const setSegment = vi.spyOn(tracer, 'setSegment').mockImplementation(() => undefined);
    const putAnnotation = vi.spyOn(tracer, 'putAnnotation').mockImplementation(() => undefined);
    const putMetadata = vi.spyOn(tracer, 'putMetadata').mockImplementation(() => undefined);

    const { result } = await invoke(entry, { httpMethod: 'GET', path: '/no-such-route', queryStringParameters: null }, 'request-1');

    expect(result.statusCode).toBe(404);
    expect(lambdaSegment.addNewSubsegment).toHaveBeenCalledTimes(1);
    expect(setSegment.mock.calls).toEqual([[handlerSegment], [lambdaSegment]]);
    expect(handlerSegment.close).toHaveBeenCalledTimes(1);
    expect(putAnnotation).toHaveBeenCalledWith('ColdStart', true);
    expect(putAnnotation).toHaveBeenCalledWith('Service', 'c360-test');
    expect(putMetadata).not.toHaveBeenCalled();
  });
});
