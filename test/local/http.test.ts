import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';
import { collectorRoute } from '../../lambda/local/collector';
import { MAX_LOCAL_BODY_BYTES, readBody, serveHttp, type HttpServer, type Route } from '../../lambda/local/http';

describe('the local HTTP server', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const answer =
    (name: string): Route =>
    async (req, res, url) => {
      const body = await readBody(req, MAX_LOCAL_BODY_BYTES);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ route: name, method: req.method, path: url.pathname, body: body?.toString('utf8') }));
    };

  it('sends /v1/* to the collector and every other path to the profile API', async () => {
    server = await serveHttp({ collector: answer('collector'), profiles: answer('profiles') }, 0);
    const track = await fetch(`${server.url}/v1/track`, { method: 'POST', body: '{"event":"x"}' });
    expect(await track.json()).toEqual({ route: 'collector', method: 'POST', path: '/v1/track', body: '{"event":"x"}' });
    for (const path of ['/profiles', '/v1', '/segments/vip/members']) {
      const res = await fetch(`${server.url}${path}?email=a%40b.example`);
      expect(await res.json()).toMatchObject({ route: 'profiles', method: 'GET', path });
    }
  });

  it('answers a route that fails with a 500 carrying the error message, and keeps serving', async () => {
    const failing: Route = async () => {
      throw new Error('store unreachable');
    };
    server = await serveHttp({ collector: failing, profiles: failing }, 0);
    for (const path of ['/v1/track', '/profiles']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ error: 'internal', message: 'store unreachable' });
    }
  });

  it('answers a collector request over the 6 MB Lambda payload limit with 413 and never reaches the stream', async () => {
    const kinesis = {
      send: () => {
        throw new Error('the collector must not write an oversized request');
      },
    } as unknown as KinesisClient;
    const writeKeys = { sourceFor: async () => 'web' };
    const collector = collectorRoute(parseConfig({}), { kinesis, streamName: 'c360-events', writeKeys });
    server = await serveHttp({ collector, profiles: answer('profiles') }, 0);
    const res = await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(MAX_LOCAL_BODY_BYTES + 1) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ message: 'Request Entity Too Large' });
  });
});
