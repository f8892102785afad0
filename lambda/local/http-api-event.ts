/**
 * Builds API Gateway HTTP API (payload 2.0) events as API Gateway does, for
 * the local runtime's server, the collector benchmark and tests.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface HttpRequestSpec {
  readonly method: string;
  readonly path: string;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly query?: URLSearchParams;
  readonly sourceIp?: string;
  readonly protocol?: string;
  /** Send the body as API Gateway does for text: a plain string, not base64. */
  readonly text?: boolean;
  readonly now?: number;
}

export function httpApiEvent(req: HttpRequestSpec): APIGatewayProxyEventV2 {
  const now = req.now ?? Date.now();
  const type = /^\/v1\/([^/]+)\/?$/.exec(req.path)?.[1];
  const routeKey = `${req.method} /v1/{type}`;
  const query = req.query?.toString() ?? '';
  return {
    version: '2.0',
    routeKey,
    rawPath: req.path,
    rawQueryString: query,
    headers: { ...req.headers },
    ...(query.length > 0 && req.query ? { queryStringParameters: Object.fromEntries(req.query.entries()) } : {}),
    ...(type === undefined ? {} : { pathParameters: { type } }),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method,
        path: req.path,
        protocol: req.protocol ?? 'HTTP/1.1',
        sourceIp: req.sourceIp ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: req.text ? req.body.toString('utf8') : req.body.toString('base64'),
    isBase64Encoded: !req.text,
  };
}
