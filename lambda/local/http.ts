/**
 * The local HTTP server: one localhost port serving the collector under
 * `/v1/*`, the privacy API under `/privacy/*`, the dashboard on its own paths
 * (`/`, `/dashboard/*`, `/assets/*`) and the profile API everywhere else, plus the promises around Node's
 * listen and close that the in-process AWS servers use too.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Serves one request; a rejection is answered with a 500. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export interface Routes {
  /** The Segment-compatible collector, `/v1/*`. */
  readonly collector: Route;
  /** The profile API, every other path. */
  readonly profiles: Route;
  /** The dashboard, on the paths `isDashboardPath` names (without it they go to the profile API). */
  readonly dashboard?: Route;
  /** The privacy API, `/privacy/*` (without it they go to the profile API, which answers 404). */
  readonly privacy?: Route;
  /** The activation pillar's routes: recommendations, similar items, the unsubscribe endpoint and the local outbox (isActivationPath). */
  readonly activation?: Route;
}

/**
 * The dashboard's paths: the root, `/dashboard` and below (pages, and their
 * data under `/dashboard/api/`), and `/assets/` (scripts, styles). The profile
 * API has no route on any of them (it serves `/profiles…` and `/segments…`).
 */
export function isDashboardPath(pathname: string): boolean {
  return pathname === '/' || pathname === '/dashboard' || pathname.startsWith('/dashboard/') || pathname.startsWith('/assets/');
}

/** Paths the activation route serves: `/profiles/{id}/recommendations`, `/items/{id}/similar`, `/unsubscribe`, `/activation/*`. */
export function isActivationPath(pathname: string): boolean {
  return (
    /^\/profiles\/[^/]+\/recommendations\/?$/.test(pathname) ||
    pathname.startsWith('/items/') ||
    pathname === '/unsubscribe' ||
    pathname === '/activation' ||
    pathname.startsWith('/activation/')
  );
}

export interface HttpServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Largest request body the local server reads: Lambda's synchronous invocation payload limit (6 MB). */
export const MAX_LOCAL_BODY_BYTES = 6 * 1024 * 1024;

/** The request body as bytes, or undefined once it passes `limit` (the rest is discarded). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolveBody(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

/** Starts the server on 127.0.0.1:`port` (0 picks a free one). */
export async function serveHttp(routes: Routes, port: number): Promise<HttpServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = url.pathname.startsWith('/v1/')
      ? routes.collector
      : routes.privacy !== undefined && (url.pathname === '/privacy' || url.pathname.startsWith('/privacy/'))
        ? routes.privacy
        : routes.dashboard !== undefined && isDashboardPath(url.pathname)
          ? routes.dashboard
          : routes.activation !== undefined && isActivationPath(url.pathname)
            ? routes.activation
            : routes.profiles;
    route(req, res, url).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal', message: err.message }));
    });
  });
  const url = `http://127.0.0.1:${await listen(server, port)}`;
  return {
    url,
    async stop() {
      await close(server);
      server.closeAllConnections();
    },
  };
}

/** Listens on 127.0.0.1; resolves with the port. */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port));
  });
}

/** Stops accepting connections; resolves once the open ones have ended. */
export function close(server: Server): Promise<void> {
  return new Promise<void>((r) => server.close(() => r()));
}
