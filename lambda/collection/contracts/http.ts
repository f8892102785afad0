/**
 * The HTTP collector's CORS policy and browser-facing paths, defined once: API
 * Gateway answers preflights with them and routes the paths
 * (lib/constructs/collection/http-collector.ts), and the handler answers
 * preflights with the same policy (lambda/collection/handlers/collector.ts,
 * locally and behind an API that lets OPTIONS through). The allowed origins
 * are the config's (`collection.corsAllowedOrigins`).
 */
export const COLLECTOR_CORS = {
  /**
   * Request headers a browser SDK may send (lower case; CORS compares them
   * case-insensitively):
   * - `authorization`: the write key as HTTP Basic (Segment's analytics.js and RudderStack's JS SDK);
   * - `content-type`: JSON (`application/json`, or `text/plain` from analytics.js) and `content-encoding` (compressed bodies);
   * - `x-retry-count`: analytics.js numbers every retry of a failed request with it;
   * - `anonymousid`: RudderStack's JS SDK sends the base64 anonymous id with each event request.
   */
  allowHeaders: ['authorization', 'content-type', 'content-encoding', 'x-retry-count', 'anonymousid'],
  /** Events are posted; settings are read with GET; OPTIONS is the preflight itself. */
  allowMethods: ['GET', 'POST', 'OPTIONS'],
  /** How long a browser may cache a preflight answer: one day. */
  maxAgeSeconds: 86_400,
} as const;

/**
 * The source settings analytics.js loads before sending anything
 * (`GET {cdnURL}/v1/projects/{writeKey}/settings`): the API route of the
 * deployed collector, in API Gateway's route syntax.
 */
export const COLLECTOR_SETTINGS_ROUTE = '/v1/projects/{writeKey}/settings';

/**
 * The source configuration RudderStack's JS SDK loads from its `configUrl`
 * (`GET {configUrl}?writeKey=…`, the write key also as HTTP Basic): give it
 * `configUrl: '<collector URL>/v1/sourceConfig'` and `dataPlaneUrl: '<collector URL>'`.
 */
export const COLLECTOR_SOURCE_CONFIG_ROUTE = '/v1/sourceConfig';
