/**
 * The Powertools Logger, Metrics and Tracer of a Lambda function, created once
 * at module scope, and the middy wrapper every Lambda entry (functions/) puts
 * around its handler. Only Lambda entries import this module: the portable
 * handler factories and the local runtime stay free of it.
 *
 * Every log line is redacted of personal data (shared/redact.ts) through the
 * Logger's own extension points: its formatter redacts the values under the
 * keys the config's classification marks direct (`email`, `phone`,
 * `firstName`, `userId`, ...) in the attributes and errors logged, and its
 * JSON replacer redacts every email- and phone-shaped text of the line
 * (message, error messages, stack traces). An error a handler throws, and a
 * rejection nobody handled, are redacted before the Lambda runtime prints them.
 */
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DEFAULT_FIELD_CLASSIFICATION } from '../config/governance';
import { config } from '../config/load';
import { redactError, redactErrorAttributes, redactText, redactValue, directKeys, type RedactedKeys } from './redact';

/** The keys whose values are direct personal data, from the config bundled into the function (defaults and overrides merged). */
const DIRECT_KEYS = directKeys({ ...DEFAULT_FIELD_CLASSIFICATION, ...config.governance.classification.fields });

/** Keys of a log line that Powertools or AWS fill with ids and times, never with personal data: left as they are. */
const SYSTEM_KEYS = new Set(['timestamp', 'function_arn', 'function_request_id', 'xray_trace_id', 'correlation_id', 'level', 'service', 'function_name']);

/**
 * Powertools' standard log line, with the attributes and errors logged
 * redacted by key (the classification's direct keys). The shape is that of
 * Powertools' own formatter (level, message, timestamp, service, the Lambda
 * context), which the package does not export for extending.
 */
export class RedactingLogFormatter extends LogFormatter {
  constructor(private readonly keys: RedactedKeys = DIRECT_KEYS) {
    super();
  }

  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_arn: attributes.lambdaContext?.invokedFunctionArn,
      function_memory_size: attributes.lambdaContext?.memoryLimitInMB,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
    };
    return new LogItem({ attributes: base }).addAttributes(redactValue(additionalLogAttributes, this.keys) as LogAttributes);
  }

  override formatError(error: Error): LogAttributes {
    return redactErrorAttributes(super.formatError(error), this.keys) as LogAttributes;
  }
}

/** The Logger's JSON replacer: every text of the line but Powertools' ids and times, redacted of email- and phone-shaped parts. */
export function redactingReplacer(key: string, value: unknown): unknown {
  return typeof value === 'string' && !SYSTEM_KEYS.has(key) ? redactText(value) : value;
}

// Service name, metrics namespace and log level come from the environment
// C360Function sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE,
// POWERTOOLS_LOG_LEVEL), so the three agree on the service without repeating it.
export const logger = new Logger({ logFormatter: new RedactingLogFormatter(), jsonReplacerFn: redactingReplacer });

// The Lambda runtime prints a rejection nobody handled (Runtime.UnhandledPromiseRejection, with its
// message and stack) and ends the process: redact it first. Prepended, so it runs before the
// runtime's own listener; the runtime's listener still decides what happens next.
// Once per process, however often the module is loaded.
const REDACTS_REJECTIONS = Symbol.for('c360.redactsUnhandledRejections');
if (!(REDACTS_REJECTIONS in process)) {
  Object.defineProperty(process, REDACTS_REJECTIONS, { value: true });
  process.prependListener('unhandledRejection', (reason) => void redactError(reason));
}

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
  // What the Lambda runtime prints of a thrown error (its message and stack) is not the Logger's: redact it first.
  const redacting = async (event: TEvent, context: Context): Promise<TResult> => {
    try {
      return await handler(event, context);
    } catch (err) {
      throw redactError(err);
    }
  };
  // No early timeout: a Lambda timeout resets the execution environment, whereas
  // middy's would answer first and leave the handler running into later invocations.
  return (
    middy<TEvent, TResult, Error, Context>(redacting, { timeoutEarlyInMillis: 0 })
      // Tracer outermost, so its subsegment spans the other middlewares too. Responses
      // stay out of the trace: they carry personal data (profiles, rejected rows).
      .use(captureLambdaHandler(tracer, { captureResponse: false }))
      .use(injectLambdaContext(logger))
      // Innermost: flushed (after) while the logger still carries the request context.
      .use(logMetrics(metrics, { captureColdStartMetric: true }))
  );
}
