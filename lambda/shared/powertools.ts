/**
 * The Powertools Logger, Metrics and Tracer of a Lambda function, created once
 * at module scope, and the middy wrapper every Lambda entry (functions/) puts
 * around its handler. Only Lambda entries import this module: the portable
 * handler factories and the local runtime stay free of it.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

// Service name, metrics namespace and log level come from the environment
// C360Function sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE,
// POWERTOOLS_LOG_LEVEL), so the three agree on the service without repeating it.
export const logger = new Logger();
/** Metrics' own warnings (e.g. an invalid metric) become log lines with the request context. */
export const metrics = new Metrics({ logger });
/**
 * Tracing is on only inside Lambda (AWS_EXECUTION_ENV set, not SAM or Amplify
 * mocks) and unless POWERTOOLS_TRACE_ENABLED=false; elsewhere every call is a
 * no-op, so tests and scripts that load an entry need no X-Ray daemon.
 */
export const tracer = new Tracer();

/** An AWS SDK v3 client whose calls appear as X-Ray subsegments (unchanged when tracing is off). */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}

/**
 * A Lambda handler wrapped with the Powertools middlewares: every log line
 * carries the request id and cold start, stored metrics are flushed after each
 * invocation (also when it fails) with a ColdStart metric on the first, and the
 * handler runs in its own X-Ray subsegment.
 */
export function withPowertools<TEvent, TResult>(handler: (event: TEvent, context: Context) => Promise<TResult>) {
  // No early timeout: a Lambda timeout resets the execution environment, whereas
  // middy's would answer first and leave the handler running into later invocations.
  return (
    middy<TEvent, TResult, Error, Context>(handler, { timeoutEarlyInMillis: 0 })
      // Tracer outermost, so its subsegment spans the other middlewares too. Responses
      // stay out of the trace: they carry personal data (profiles, rejected rows).
      .use(captureLambdaHandler(tracer, { captureResponse: false }))
      .use(injectLambdaContext(logger))
      // Innermost: flushed (after) while the logger still carries the request context.
      .use(logMetrics(metrics, { captureColdStartMetric: true }))
  );
}
