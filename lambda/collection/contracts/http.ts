/**
 * The HTTP collector's CORS policy, defined once: API Gateway answers
 * preflights with it (lib/constructs/collection/http-collector.ts) and the
 * handler answers them with it too (lambda/collection/handlers/collector.ts,
 * locally and behind an API that lets OPTIONS through). The allowed origins
 * are the config's (`collection.corsAllowedOrigins`).
 */
export const COLLECTOR_CORS = {
  /** Request headers a browser may send: the write key (Basic auth), JSON and compressed bodies. */
  allowHeaders: ['authorization', 'content-type', 'content-encoding'],
  /** Events are posted; OPTIONS is the preflight itself. */
  allowMethods: ['POST', 'OPTIONS'],
  /** How long a browser may cache a preflight answer: one day. */
  maxAgeSeconds: 86_400,
} as const;
