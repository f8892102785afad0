import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signUnsubscribeToken } from '../../../lambda/activation/core/unsubscribe';
import { clearUnsubscribeKeyCache } from '../../../lambda/activation/adapters/secrets-unsubscribe-key';
import { SES_BOUNCE } from './support';

const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const context = { functionName: 'f', awsRequestId: 'r-1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:f', memoryLimitInMB: '512' } as unknown as Context;
const KEY = 'k'.repeat(64);

const saved = { ...process.env };
beforeEach(() => {
  vi.resetModules();
  ddb.reset();
  secrets.reset();
  clearUnsubscribeKeyCache();
  Object.assign(process.env, {
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_METRICS_NAMESPACE: 'c360-test',
    POWERTOOLS_SERVICE_NAME: 'activation',
    AWS_REGION: 'eu-west-1',
    ACTIVATION_TABLE: 'activation',
    PROFILE_TABLE: 'profiles',
    EVENT_STREAM_NAME: 'events',
    UNSUBSCRIBE_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:unsub',
  });
});
afterEach(() => {
  process.env = { ...saved };
});

type Http = (event: APIGatewayProxyEventV2, ctx: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type Feedback = (event: unknown, ctx: Context) => Promise<Record<string, unknown>>;

const post = (token: string) =>
  ({
    rawPath: '/unsubscribe',
    rawQueryString: `token=${token}`,
    queryStringParameters: { token },
    headers: {},
    body: 'List-Unsubscribe=One-Click',
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST' } },
  }) as unknown as APIGatewayProxyEventV2;

describe('unsubscribe entry', () => {
  it('verifies links with the key from the secret and reads the profile from the profile table', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    ddb.on(GetCommand).resolves({});
    const handler = ((await import('../../../lambda/activation/functions/unsubscribe')) as unknown as { handler: Http }).handler;
    const token = signUnsubscribeToken({ profileId: 'p-gone', purposes: ['marketing_email'], campaign: 'winBack', issuedAt: Date.now() }, new TextEncoder().encode(KEY));
    expect((await handler(post(token), context)).statusCode).toBe(404);
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input.TableName).toBe('profiles');
    expect((await handler(post(`${token}x`), context)).statusCode).toBe(400);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fails at cold start without the key secret, naming the variable', async () => {
    delete process.env.UNSUBSCRIBE_KEY_SECRET_ARN;
    await expect(import('../../../lambda/activation/functions/unsubscribe')).rejects.toThrow(/UNSUBSCRIBE_KEY_SECRET_ARN/);
  });
});

describe('feedback entry', () => {
  it('suppresses in the activation table and drops feedback of an unknown profile', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    const handler = ((await import('../../../lambda/activation/functions/feedback')) as unknown as { handler: Feedback }).handler;
    const outcome = await handler(SES_BOUNCE, context);
    expect(outcome).toMatchObject({ source: 'ses', suppressed: 1, written: 0, dropped: { 'the profile no longer exists': 1 } });
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({ TableName: 'activation', Item: { sk: 'SUP', reason: 'bounce:General' } });
  });
});
