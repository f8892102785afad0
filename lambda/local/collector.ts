/**
 * The collector route of the local server: each request under `/v1/*` goes
 * to the collector handler as the API Gateway HTTP API event the deployed
 * collector Lambda gets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { C360Config } from '../config';
import type { WriteKeys } from '../collection/ports';
import type { IngestSuppression } from '../governance/ports';
import { kinesisEventSink } from '../collection/adapters/kinesis-sink';
import { createCollector, type CollectorEvent, type CollectorResult } from '../collection/handlers/collector';
import { ingestOptionsOf } from '../collection/usecases/collect';
import { httpApiEvent } from './http-api-event';
import { MAX_LOCAL_BODY_BYTES, readBody, type Route } from './http';

export interface CollectorRouteDeps {
  readonly writeKeys: WriteKeys;
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  /** Drops erased people's events (answered as a success). */
  readonly suppression?: IngestSuppression;
}

export function collectorRoute(config: C360Config, deps: CollectorRouteDeps): Route {
  const collector = createCollector({
    writeKeys: deps.writeKeys,
    events: kinesisEventSink(deps.kinesis, deps.streamName),
    ingest: ingestOptionsOf(config),
    corsAllowedOrigins: config.collection.corsAllowedOrigins,
    ...(deps.suppression === undefined ? {} : { suppression: deps.suppression }),
  });
  return async (req, res, url) => {
    const body = await readBody(req, MAX_LOCAL_BODY_BYTES);
    if (body === undefined) {
      // What API Gateway answers for a payload over Lambda's limit.
      writeResult(res, { statusCode: 413, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Request Entity Too Large' }) });
      return;
    }
    writeResult(res, await collector(toHttpApiEvent(req, url, body)));
  };
}

/** The API Gateway HTTP API (payload 2.0) event of a request to the local server. */
function toHttpApiEvent(req: IncomingMessage, url: URL, body: Buffer): APIGatewayProxyEventV2 & CollectorEvent {
  const headers = Object.fromEntries(
    Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), Array.isArray(v) ? v.join(',') : v]])),
  );
  return httpApiEvent({
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers,
    body,
    protocol: `HTTP/${req.httpVersion}`,
    // IPv4 clients of a dual-stack socket show as ::ffff:a.b.c.d.
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
  });
}

function writeResult(res: ServerResponse, out: CollectorResult): void {
  res.writeHead(out.statusCode, out.headers);
  res.end(out.body);
}
