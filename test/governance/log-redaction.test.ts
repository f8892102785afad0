/**
 * No Lambda entry logs the demo's emails or phones. Every entry in
 * lambda/<pillar>/functions/ (listed from the folder, so a new function is
 * covered) is invoked with AWS events built from the demo dataset, once
 * with its AWS SDK calls succeeding and once with them failing with an
 * error whose message quotes an email and a phone, as a service's
 * validation error may; everything written to stdout and stderr, and the
 * message and stack of what a handler throws (the Lambda runtime prints
 * them), must hold none of the demo's emails and phones, raw or normalised
 * (E.164, digits with and without the country code), while the logs are not
 * empty and show redaction at work.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Client } from '@smithy/core/client';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateDemo, type DemoEvent } from '../../lambda/local/demo';
import { directKeys, redactText, redactValue } from '../../lambda/shared/redact';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const ROOT = join(__dirname, '..', '..');
/** Every Lambda entry, from the folders. */
const ENTRIES = readdirSync(join(ROOT, 'lambda'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((pillar) => {
    const dir = join(ROOT, 'lambda', pillar.name, 'functions');
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    } catch {
      return [];
    }
    return files.map((f) => ({ name: `${pillar.name}/${basename(f, '.ts')}`, file: join(dir, f) }));
  });

const demo = generateDemo({ people: 6, seed: 11, now: Date.parse('2026-11-15T12:00:00.000Z') });
const [ana, bo] = demo.people as [(typeof demo.people)[number], (typeof demo.people)[number]];

/** Every email and phone of the demo as it could appear: as sent, lower-cased, E.164, digits with and without the country code. */
const PII: string[] = (() => {
  const found = new Set<string>();
  const walk = (v: unknown, key = '') => {
    if (typeof v === 'string' && /email|phone/i.test(key)) found.add(v);
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(demo.events);
  for (const p of demo.people) {
    found.add(p.email);
    found.add(p.phone);
    found.add(p.phone.slice(1));
    found.add(p.phone.slice(2));
  }
  return [...found].filter((s) => s.length > 0);
})();

const WRITE_KEY = 'wk_demo';

/** The error a failing AWS call answers with: a validation message that quotes the item, as services do. */
function serviceError(): Error {
  return Object.assign(new Error(`One or more parameter values were invalid: item {email: ${ana.email}, phone: ${ana.phone}} (${bo.phone.slice(1)})`), {
    name: 'ValidationException',
    $metadata: { httpStatusCode: 400 },
  });
}

/** A CSV of the demo people, as a CRM export landing in S3 or a matching job's output would hold them. */
const PEOPLE_CSV = ['user_id,email,phone,first_name,last_name', ...demo.people.map((p) => [p.userId, p.email, p.phone, p.firstName, p.lastName].join(','))].join('\n') + '\n';

const sdk = mockClient(Client as never);

function succeed(): void {
  sdk.reset();
  sdk.onAnyCommand().resolves({});
  // One secret for all: the collector's write keys, and the governance hash key (`key`, 32 bytes in base64).
  sdk.on(GetSecretValueCommand as never).resolves({ SecretString: JSON.stringify({ [WRITE_KEY]: 'web', key: Buffer.alloc(32, 7).toString('base64') }) } as never);
  sdk.on(GetObjectCommand as never).callsFake(() => ({ Body: Readable.from([Buffer.from(PEOPLE_CSV)]), LastModified: new Date('2026-11-15T00:00:00Z'), ContentLength: PEOPLE_CSV.length }));
  sdk.on(PutRecordsCommand as never).callsFake((input: { Records: unknown[] }) => ({ FailedRecordCount: 0, Records: input.Records.map((_, i) => ({ SequenceNumber: String(1000 + i), ShardId: 'shardId-000000000000' })) }));
}

function fail(): void {
  sdk.reset();
  sdk.onAnyCommand().callsFake(() => Promise.reject(serviceError()));
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const eventsOf = (n: number): DemoEvent[] => demo.events.slice(0, n);

function kinesisEvent(records: readonly string[]): unknown {
  return {
    Records: records.map((data, i) => ({
      eventSource: 'aws:kinesis',
      eventID: `shardId-000000000000:${4960 + i}`,
      eventName: 'aws:kinesis:record',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/events',
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: (() => { try { const e = JSON.parse(data); return String(e.userId ?? e.anonymousId ?? 'k'); } catch { return 'k'; } })(), sequenceNumber: String(49_600_000_000_000_000_000n + BigInt(i)), data: b64(data), approximateArrivalTimestamp: 1_794_000_000 },
    })),
  };
}

function apiV2(method: string, path: string, body: string | undefined): unknown {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: `Basic ${b64(`${WRITE_KEY}:`)}`, 'content-type': 'application/json' },
    requestContext: { accountId: '000000000000', apiId: 'api', domainName: 'collector.example', http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'demo' }, requestId: 'r-1', routeKey: `${method} ${path}`, stage: '$default', time: '', timeEpoch: 1_794_000_000_000 },
    body,
    isBase64Encoded: false,
  };
}

function apiV1(method: string, path: string, query: Record<string, string> | null, body?: unknown): Record<string, unknown> {
  return { httpMethod: method, path, resource: path, queryStringParameters: query, pathParameters: null, headers: { 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body), isBase64Encoded: false, requestContext: { requestId: 'r-1' } };
}

const s3Event = (key: string) => ({
  Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', awsRegion: 'us-east-1', eventTime: '2026-11-15T00:00:00.000Z', s3: { bucket: { name: 'landing', arn: 'arn:aws:s3:::landing' }, object: { key, size: PEOPLE_CSV.length, eTag: 'e', sequencer: '1' } } }],
});

const customResource = (properties: Record<string, unknown>) => ({
  RequestType: 'Create',
  RequestId: 'req-1',
  StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/c360/1',
  LogicalResourceId: 'Resource',
  ResourceType: 'Custom::Test',
  ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:provider',
  ResponseURL: 'http://localhost:9/response',
  ResourceProperties: { ServiceToken: 'arn', ...properties },
});

const profileImage = (segments: string[]) =>
  marshall({ pk: 'PROFILE#p-1', sk: 'PROFILE', profileId: 'p-1', traits: { email: ana.email, phone: ana.phone, firstName: ana.firstName }, identifiers: { email: [ana.email], phone: [ana.phone] }, segments }, { removeUndefinedValues: true });

/** The demo-shaped events each entry is invoked with (several where one entry serves several kinds). */
const EVENTS: Record<string, unknown[]> = {
  'collection/collector': [
    apiV2('POST', '/v1/batch', JSON.stringify({ batch: eventsOf(40) })),
    apiV2('POST', '/v1/identify', JSON.stringify(demo.events.find((e) => e.type === 'identify'))),
    apiV2('POST', '/v1/track', `{"type":"identify","traits":{"email":"${ana.email}","phone":"${ana.phone}"`),
  ],
  'collection/file-import': [s3Event('crm/people.csv'), s3Event(`crm/${ana.email}.csv`)],
  'unification/unify-consumer': [kinesisEvent([...eventsOf(60).map((e) => JSON.stringify(e)), ...demo.poison, `{"traits":{"email":"${ana.email}"`])],
  'unification/segment-changes': [
    { Records: [{ eventID: '1', eventName: 'MODIFY', eventSource: 'aws:dynamodb', eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/profiles/stream/1', dynamodb: { Keys: marshall({ pk: 'PROFILE#p-1', sk: 'PROFILE' }), NewImage: profileImage(['vip']), OldImage: profileImage([]), SequenceNumber: '100', StreamViewType: 'NEW_AND_OLD_IMAGES' } }] },
  ],
  'unification/profile-api': [
    apiV1('GET', '/profiles', { email: ana.email }),
    apiV1('GET', '/profiles', { phone: ana.phone }),
    apiV1('GET', '/profiles/p-1', null),
    apiV1('PUT', '/profiles/p-1/consent', null, { purpose: 'marketing_email', granted: true, email: ana.email }),
  ],
  'unification/unmerge-api': [apiV1('POST', '/profiles/p-1/unmerge', null, { restoredId: 'p-2', reason: `asked by ${ana.email}` })],
  'unification/apply-matches': [{ detail: { bucket: { name: 'lake' }, object: { key: 'matching/output/job-1/success/part-0.csv' } } }],
  'unification/profile-snapshot': [{}],
  'unification/recheck-profiles': [{}],
  'analytics/export-profiles': [{}],
  'analytics/athena-views': [customResource({ WorkGroup: 'primary', Database: 'c360', Views: [{ name: 'users', sql: 'CREATE OR REPLACE VIEW users AS SELECT 1 AS id' }] })],
  'analytics/redshift-sql': [customResource({ WorkgroupName: 'c360', Database: 'dev', Statements: ['SELECT 1'] })],
};

/** For an entry not listed above: one event of every shape, each carrying the demo's people. */
const ANY_EVENT = [
  kinesisEvent(eventsOf(5).map((e) => JSON.stringify(e))),
  { ...apiV1('POST', '/', null, { email: ana.email, phone: ana.phone }), detail: { email: ana.email, phone: ana.phone, profileId: 'p-1' } },
  customResource({ email: ana.email }),
  { email: ana.email, phone: ana.phone, subject: { type: 'email', value: ana.email } },
  // Workflow steps: a request about a person, and a step's reports.
  { requestId: 'er-1', target: { type: 'email', value: ana.email }, requestedBy: 'privacy-team', requestedAt: '2026-11-15T12:00:00.000Z' },
  { requestId: 'er-1', target: { type: 'phone', value: ana.phone }, reports: [] },
];

/** Every environment variable an entry may require (every *_ENV contract), with a value of the kind it needs. */
async function environment(): Promise<Record<string, string>> {
  const contracts: Array<Record<string, unknown>> = [];
  for (const pillar of readdirSync(join(ROOT, 'lambda'), { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const dir = join(ROOT, 'lambda', pillar.name, 'contracts');
    const files = (() => {
      try {
        return readdirSync(dir).filter((f) => f.endsWith('.ts'));
      } catch {
        return [];
      }
    })();
    for (const f of files) contracts.push((await import(join(dir, f))) as Record<string, unknown>);
  }
  const env: Record<string, string> = {};
  const special: Record<string, string> = { rulesets: '[]', dateOrder: 'MDY', erasureStore: 'profiles', campaignTrigger: 'events', unsubscribeUrl: 'https://api.example/v1/unsubscribe' };
  for (const module of contracts) {
    for (const [exportName, value] of Object.entries(module)) {
      if (!exportName.endsWith('_ENV') || value === null || typeof value !== 'object') continue;
      for (const [key, name] of Object.entries(value as Record<string, unknown>)) {
        if (typeof name !== 'string') continue;
        env[name] =
          special[key] ??
          (/SEGMENTS|DAYS|HOURS/.test(name) ? '2' : name.endsWith('_ARN') ? `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name.toLowerCase()}` : `c360-test-${name.toLowerCase().replace(/_/g, '-')}`);
      }
    }
  }
  return env;
}

function lambdaContext(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c0ffee00-0000-4000-8000-000000000001',
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: '2026/11/15/[$LATEST]0',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Everything the entries printed, and what their handlers threw, as the Lambda runtime would print it. */
let printed = '';
const loadFailures: string[] = [];
const invoked: string[] = [];
const unhandled: string[] = [];

beforeAll(async () => {
  for (const [name, value] of Object.entries({
    ...(await environment()),
    POWERTOOLS_SERVICE_NAME: 'c360-test',
    POWERTOOLS_METRICS_NAMESPACE: 'c360',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  })) vi.stubEnv(name, value);
  vi.stubEnv('AWS_EXECUTION_ENV', undefined);
  vi.stubEnv('POWERTOOLS_DEV', undefined);

  const capture = (chunk: unknown) => {
    printed += typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...args: unknown[]) => capture(`${args.map(String).join(' ')}\n`))),
  ];
  // What the Lambda runtime prints of a rejection nobody handled (and then ends the process).
  const onUnhandled = (reason: unknown) => {
    // Where it was started: the first frames in lambda/.
    const frames = ((reason as Error | undefined)?.stack ?? '').split('\n').filter((l) => l.includes('/lambda/')).slice(0, 2).map((l) => l.trim().replace(/^at /, ''));
    unhandled.push(`${(reason as Error | undefined)?.name ?? 'rejection'} at ${frames.join(' < ').replace(/\S*\/lambda\//g, 'lambda/')}`);
    printed += `Runtime.UnhandledPromiseRejection: ${String(reason)}\n${(reason as Error | undefined)?.stack ?? ''}\n`;
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    for (const entry of ENTRIES) {
      let handler: Handler;
      // Entries read secrets and settings at cold start: let those calls succeed.
      succeed();
      try {
        handler = ((await import(entry.file)) as { handler: Handler }).handler;
      } catch (err) {
        loadFailures.push(`${entry.name}: ${(err as Error).message}`);
        continue;
      }
      for (const mode of [succeed, fail]) {
        mode();
        for (const event of EVENTS[entry.name] ?? ANY_EVENT) {
          try {
            await handler(event, lambdaContext(entry.name.replace('/', '-')));
          } catch (err) {
            printed += `${String(err)}\n${(err as Error).stack ?? ''}\n`;
          }
          invoked.push(entry.name);
        }
      }
    }
    // Let rejections of this run surface before the listener goes.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off('unhandledRejection', onUnhandled);
    for (const spy of spies) spy.mockRestore();
  }
}, 120_000);

afterAll(() => {
  sdk.restore();
  vi.unstubAllEnvs();
});

describe('log redaction across every Lambda entry', () => {
  it('loads and invokes every entry in lambda/*/functions', () => {
    expect(ENTRIES.length).toBeGreaterThan(10);
    expect(loadFailures).toEqual([]);
    for (const entry of ENTRIES) expect(invoked, entry.name).toContain(entry.name);
  });

  it('leaves no failed AWS call unhandled (the runtime would print it and end the process)', () => {
    expect(unhandled).toEqual([]);
  });

  it('writes log lines, among them redacted ones', () => {
    const lines = printed.split('\n').filter((l) => l.startsWith('{') && l.includes('"level"'));
    expect(lines.length).toBeGreaterThan(ENTRIES.length);
    expect(printed).toContain('[redacted:email]');
    expect(printed).toContain('[redacted:phone]');
  });

  it('prints none of the demo\'s emails and phones, raw or normalised', () => {
    expect(PII.length).toBeGreaterThan(10);
    const lower = printed.toLowerCase();
    const leaked = PII.filter((v) => lower.includes(v.toLowerCase()));
    expect(leaked, leaked.map((v) => printed.split('\n').find((l) => l.toLowerCase().includes(v.toLowerCase()))?.slice(0, 400)).join('\n')).toEqual([]);
  });
});

describe('redactText and redactValue', () => {
  it('redacts emails and phones in any common form', () => {
    expect(redactText('sent to Ana.Lee+shop@Example.co.uk today')).toBe('sent to [redacted:email] today');
    for (const phone of ['+15035550101', '15035550101', '5035550101', '(503) 555-0101', '503-555-0101', '+1 503 555 0101', '+44 20 7946 0958']) {
      expect(redactText(`call ${phone} now`), phone).not.toMatch(/\d{3}/);
    }
  });

  it('leaves ids, sequence numbers, times and counts alone', () => {
    const kept = [
      '49600000000000000000000000000000000000000000000000000001',
      '2026-11-15T12:00:00.000Z',
      'c0ffee00-0000-4000-8000-000000000001',
      'batch of 500 records, 3 failed',
      'demo-b-000123',
    ];
    for (const text of kept) expect(redactText(text), text).toBe(text);
  });

  it('redacts the values under direct keys, in any case or spelling, and walks nested values', () => {
    const keys = directKeys({ 'traits.email': { class: 'direct' }, 'traits.firstName': { class: 'direct' }, 'traits.city': { class: 'indirect' } });
    expect(redactValue({ profile: { First_Name: 'Ana', city: 'Salem', email: null }, notes: ['ana@example.com'] }, keys)).toEqual({
      profile: { First_Name: '[redacted:First_Name]', city: 'Salem', email: null },
      notes: ['[redacted:email]'],
    });
  });
});
