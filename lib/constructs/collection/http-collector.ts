/** The Segment-compatible HTTP collector: an HTTP API, its function and the write-key secret. */
import { CfnOutput, Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { COLLECTION_ENV } from '../../../lambda/collection/contracts/env';
import { COLLECTOR_CORS, COLLECTOR_SETTINGS_ROUTE, COLLECTOR_SOURCE_CONFIG_ROUTE } from '../../../lambda/collection/contracts/http';
import { C360Function } from '../common/c360-function';
import type { IDataKey } from '../common/data-key';

/** Powertools service name of the collector function (logs, traces, custom metrics). */
export const COLLECTOR_SERVICE_NAME = 'collector';

/** Stage throttling of the collector API. */
export interface CollectorThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests above the steady rate absorbed in a burst. */
  readonly burstLimit: number;
}

export interface HttpCollectorProps {
  /** The event stream the collector writes to. */
  readonly stream: kinesis.IStream;
  /**
   * The stream's customer-managed key (the collector encrypts records with it).
   * @default stream.encryptionKey
   */
  readonly streamKey?: kms.IKey;
  /** Browser origins allowed to call the collector (CORS), `*` for any: `collection.corsAllowedOrigins` of the config. */
  readonly corsAllowedOrigins: readonly string[];
  /**
   * The pillar's key: encrypts the write-keys secret, the function's log group
   * and the access logs (CloudWatch Logs is allowed to use it). In the
   * collection stack, the collection key.
   */
  readonly encryptionKey: IDataKey;
  /** Applied to the write-keys secret and the log groups. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of the function's log group and of the API's access logs. */
  readonly logRetention: logs.RetentionDays;
  /** @default { rateLimit: 1000, burstLimit: 2000 } */
  readonly throttle?: CollectorThrottle;
  /** @default 512 */
  readonly memorySize?: number;
}

/**
 * The Segment-compatible HTTP collector: an API Gateway HTTP API whose
 * `POST /v1/{type}` route (track, identify, page, screen, group, alias, batch
 * and analytics.js's short paths), `GET /v1/projects/{writeKey}/settings`
 * (the source settings analytics.js loads) and `GET /v1/sourceConfig` (the
 * source config RudderStack's JS SDK loads) routes invoke one function (payload format 2.0)
 * that authenticates the write key, applies the Segment limits, normalises
 * each event and writes it to the stream.
 *
 * - Write keys: a Secrets Manager secret (`WriteKeysSecretArn` output),
 *   encrypted with the pillar's key, holding a JSON object
 *   `{ "<write key>": "<source name>" }`. It is created holding `{}` (no key
 *   works until you add one):
 *   `aws secretsmanager put-secret-value --secret-id <WriteKeysSecretArn> --secret-string '{"<key>":"web"}'`.
 *   Functions re-read it within 5 minutes.
 * - CORS: the origins given (`collection.corsAllowedOrigins` of the config),
 *   the headers and methods of `COLLECTOR_CORS` (the handler's too: every
 *   header Segment's and RudderStack's browser SDKs send, `X-Retry-Count`
 *   included); API Gateway answers preflights.
 * - The default stage throttles, and logs every request as JSON to a log
 *   group encrypted with this construct's key.
 *
 * Construct IDs are a contract (they name logical IDs): `WriteKeys`,
 * `Handler`, `Api`, `DefaultStage`, `AccessLogs`.
 */
export class HttpCollector extends Construct {
  /** Encrypts the write-keys secret, the function's logs and the access logs (the `encryptionKey` prop). */
  public readonly key: IDataKey;
  /** Write key → source name (JSON object). */
  public readonly writeKeys: secretsmanager.Secret;
  public readonly handler: C360Function;
  public readonly api: apigwv2.HttpApi;
  /** The `$default` stage: the collector's URL is its root. */
  public readonly stage: apigwv2.HttpStage;
  public readonly accessLogs: logs.LogGroup;
  /** The URL a Segment SDK uses as its host (`https://<api id>.execute-api.<region>.amazonaws.com`). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: HttpCollectorProps) {
    super(scope, id);
    const { removalPolicy, logRetention } = props;

    this.key = props.encryptionKey;
    this.key.allowCloudWatchLogs();

    this.writeKeys = new secretsmanager.Secret(this, 'WriteKeys', {
      description:
        'c360 HTTP collector write keys: a JSON object {"<write key>": "<source name>"}. Created empty ({}); add keys with aws secretsmanager put-secret-value.',
      encryptionKey: this.key,
      // Not a credential: an empty map, so that no key works until one is added.
      secretObjectValue: {},
      removalPolicy,
    });
    Validations.of(this.writeKeys).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Write keys are public client identifiers that Segment SDKs embed in web pages and apps, not server credentials: rotating one means issuing a new key to every client before removing the old, which no rotation function can do. Keys are added and retired by hand in this secret (see the README), and the collector re-reads it within 5 minutes.',
    });

    this.handler = new C360Function(this, 'Handler', {
      entry: 'lambda/collection/functions/collector.ts',
      serviceName: COLLECTOR_SERVICE_NAME,
      description: 'c360 HTTP collector: Segment-compatible /v1/* API to the event stream',
      memorySize: props.memorySize ?? 512,
      // Well inside the 30 s an HTTP API waits for its integration.
      timeout: Duration.seconds(10),
      logRetention,
      removalPolicy,
      logEncryptionKey: this.key,
    });
    this.handler.putRecords(props.stream, {
      envVar: COLLECTION_ENV.stream,
      ...(props.streamKey === undefined ? {} : { streamKey: props.streamKey }),
    });
    this.handler.readSecret(this.writeKeys, { envVar: COLLECTION_ENV.writeKeysSecret });

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'c360 HTTP collector (Segment-compatible; write-key authentication in the function)',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...props.corsAllowedOrigins],
        allowMethods: COLLECTOR_CORS.allowMethods.map((method) => apigwv2.CorsHttpMethod[method]),
        allowHeaders: [...COLLECTOR_CORS.allowHeaders],
        maxAge: Duration.seconds(COLLECTOR_CORS.maxAgeSeconds),
      },
    });
    const integration = new HttpLambdaIntegration('Collect', this.handler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    const routes = [
      ...this.api.addRoutes({ path: '/v1/{type}', methods: [apigwv2.HttpMethod.POST], integration }),
      // The source settings analytics.js loads (cdnURL = the collector URL); the function answers per write key.
      ...this.api.addRoutes({ path: COLLECTOR_SETTINGS_ROUTE, methods: [apigwv2.HttpMethod.GET], integration }),
      // The source config RudderStack's JS SDK loads (configUrl = the collector URL + /v1/sourceConfig).
      ...this.api.addRoutes({ path: COLLECTOR_SOURCE_CONFIG_ROUTE, methods: [apigwv2.HttpMethod.GET], integration }),
    ];
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The collector authenticates every request by its Segment write key inside the function (HTTP Basic user name or "writeKey" in the body, checked against the write-keys secret), as the Segment HTTP API does: SDKs cannot send SigV4, JWTs or API Gateway API keys. Unknown keys get 401 before any event is read; the settings and source-config routes answer only for a known write key (404/401 otherwise) and hold no customer data, only where to send events.',
      });
    }

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logRetention,
      removalPolicy,
      encryptionKey: this.key,
    });
    const throttle = props.throttle ?? { rateLimit: 1000, burstLimit: 2000 };
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            httpMethod: '$context.httpMethod',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            userAgent: '$context.identity.userAgent',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            responseLatency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });
    this.url = this.stage.url;

    const collectorUrl = new CfnOutput(this, 'CollectorUrl', {
      value: this.url,
      description: 'HTTP collector: the host of Segment SDKs (POST /v1/track, /v1/batch, ...)',
    });
    collectorUrl.overrideLogicalId('CollectorUrl');
    const secretArn = new CfnOutput(this, 'WriteKeysSecretArn', {
      value: this.writeKeys.secretArn,
      description: 'Secrets Manager secret of the collector write keys ({"<write key>": "<source name>"})',
    });
    secretArn.overrideLogicalId('WriteKeysSecretArn');
  }
}
