/**
 * The public unsubscribe endpoint, independent of where it runs (an API
 * Gateway Lambda proxy integration deployed: REST payload 1.0 or HTTP API
 * payload 2.0, both read; the local runtime mounts it at `/unsubscribe`):
 *
 *   GET  /unsubscribe?token=…   a small confirmation page with a form; changes nothing
 *                               (mail scanners and link previews fetch links)
 *   POST /unsubscribe?token=…   RFC 8058 one-click (body `List-Unsubscribe=One-Click`,
 *                               which the page's form sends too): the link's purposes
 *                               are denied for its profile; 200
 *
 * A bad or expired token answers 400 with what is wrong, and nothing
 * changes. Pages are HTML, never cached, never indexed, and send no referrer
 * (the token is in the URL).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { checkUnsubscribe, unsubscribe, type UnsubscribeDeps } from '../usecases/unsubscribe';

export interface UnsubscribeHandlerDeps extends UnsubscribeDeps {
  /** Told the outcome of every request (no token, no profile id). */
  readonly observe?: (observation: UnsubscribeObservation) => void;
}

export interface UnsubscribeObservation {
  readonly method: string;
  readonly statusCode: number;
  /** Why a request was refused. */
  readonly reason?: string;
  /** The campaign of an accepted link. */
  readonly campaign?: string;
}

/** The parts of an HTTP API (payload 2.0) event the endpoint reads. */
export type UnsubscribeEventV2 = Pick<APIGatewayProxyEventV2, 'rawPath' | 'body' | 'isBase64Encoded'> & {
  readonly rawQueryString?: string;
  readonly queryStringParameters?: APIGatewayProxyEventV2['queryStringParameters'];
  readonly requestContext: { readonly http: Pick<APIGatewayProxyEventV2['requestContext']['http'], 'method'> };
};
/** The parts of a REST API proxy (payload 1.0) event the endpoint reads. */
export type UnsubscribeEventV1 = Pick<APIGatewayProxyEvent, 'path' | 'httpMethod' | 'body' | 'isBase64Encoded'> & {
  readonly queryStringParameters?: APIGatewayProxyEvent['queryStringParameters'];
};
export type UnsubscribeEvent = UnsubscribeEventV2 | UnsubscribeEventV1;

/** Method, path, query and body of either payload format. */
interface Request {
  readonly method: string;
  readonly path: string;
  readonly token: string | undefined;
  readonly body: string | null | undefined;
  readonly isBase64Encoded: boolean;
}

function requestOf(event: UnsubscribeEvent): Request {
  const v2 = 'rawPath' in event;
  const query = event.queryStringParameters ?? undefined;
  const raw = v2 ? event.rawQueryString : undefined;
  const token = query?.token ?? (raw === undefined ? undefined : (new URLSearchParams(raw).get('token') ?? undefined));
  return {
    method: (v2 ? event.requestContext.http.method : event.httpMethod).toUpperCase(),
    path: v2 ? event.rawPath : event.path,
    token,
    body: event.body,
    isBase64Encoded: event.isBase64Encoded === true,
  };
}
export type UnsubscribeHttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex, nofollow',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

function page(statusCode: number, title: string, bodyHtml: string, extraHeaders: Record<string, string> = {}): UnsubscribeHttpResult {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style></head><body><h1>${escapeHtml(title)}</h1>${bodyHtml}</body></html>`;
  return { statusCode, headers: { ...HEADERS, ...extraHeaders }, body };
}

const refused = (statusCode: number, reason: string) =>
  page(statusCode, statusCode === 404 ? 'Nothing to unsubscribe' : 'This unsubscribe link does not work', `<p>${escapeHtml(reason)}.</p><p>Nothing was changed.</p>`);

/** True when the body is RFC 8058's one-click request (form-urlencoded, or multipart/form-data as the RFC allows). */
export function isOneClickBody(event: { readonly body?: string | null; readonly isBase64Encoded?: boolean }): boolean {
  if (event.body == null) return false;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (new URLSearchParams(text.trim()).get('List-Unsubscribe') === 'One-Click') return true;
  return /name="?List-Unsubscribe"?\s*\r?\n(?:[^\r\n]+\r?\n)*\r?\n\s*One-Click\s*(\r?\n|$)/i.test(text);
}

export function createUnsubscribeHandler(deps: UnsubscribeHandlerDeps) {
  return async (event: UnsubscribeEvent): Promise<UnsubscribeHttpResult> => {
    const request = requestOf(event);
    const result = await handle(request);
    deps.observe?.({ method: request.method, statusCode: result.response.statusCode, ...result.note });
    return result.response;
  };

  async function handle(event: Request): Promise<{ response: UnsubscribeHttpResult; note: Omit<UnsubscribeObservation, 'method' | 'statusCode'> }> {
    const { method, token } = event;
    if (!/\/unsubscribe\/?$/.test(event.path)) return { response: page(404, 'Not found', '<p>There is nothing here.</p>'), note: { reason: 'no route' } };
    if (method !== 'GET' && method !== 'POST') {
      return { response: page(405, 'Method not allowed', '<p>Use the link in your message.</p>', { allow: 'GET, POST' }), note: { reason: `method ${method}` } };
    }
    if (token === undefined || token.length === 0) {
      const reason = 'the link has no token (it may have been cut when copied)';
      return { response: refused(400, reason), note: { reason } };
    }
    if (method === 'GET') {
      const check = await checkUnsubscribe(token, deps);
      if (!check.ok) return { response: refused(check.status, check.reason), note: { reason: check.reason } };
      const action = `?token=${encodeURIComponent(token)}`;
      const what = check.claims.channel === undefined ? 'these messages' : `${check.claims.channel === 'sms' ? 'text' : check.claims.channel === 'push' ? 'push' : 'email'} messages like this one`;
      const form = `<p>Stop receiving ${escapeHtml(what)}?</p><form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`;
      return { response: page(200, 'Unsubscribe', form), note: { campaign: check.claims.campaign } };
    }
    if (!isOneClickBody(event)) {
      const reason = 'the request must carry List-Unsubscribe=One-Click (RFC 8058)';
      return { response: refused(400, reason), note: { reason } };
    }
    const done = await unsubscribe(token, deps);
    if (!done.ok) return { response: refused(done.status, done.reason), note: { reason: done.reason } };
    return {
      response: page(200, 'You are unsubscribed', '<p>You will not receive these messages any more. It can take a few minutes to take effect.</p>'),
      note: { campaign: done.claims.campaign },
    };
  }
}
