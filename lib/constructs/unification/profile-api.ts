/** The IAM-authorized REST profile API: its function, its stage's access logs and its routes. */
import { Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { UNIFICATION_ENV } from '../../../lambda/unification/contracts/env';
import { C360Function } from '../common/c360-function';

/** Powertools service name of the profile API function. */
export const PROFILE_API_SERVICE_NAME = 'profile-api';
/** Powertools service name of the unmerge function. */
export const UNMERGE_API_SERVICE_NAME = 'profile-unmerge';

/** Stage throttling of the profile API. */
export interface ProfileApiThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests above the steady rate absorbed in a burst. */
  readonly burstLimit: number;
}

export interface ProfileApiProps {
  /** The single customer view the API reads (read-only), and the unmerge function rewrites. */
  readonly table: dynamodb.ITable;
  /**
   * Identifier types a profile can be looked up by (`GET /profiles?<type>=<value>`):
   * `unification.identity.identifiers` of the config.
   */
  readonly identifierTypes: readonly string[];
  /** @default { rateLimit: 500, burstLimit: 1000 } */
  readonly throttle?: ProfileApiThrottle;
  /**
   * The event stream: `PUT /profiles/{id}/consent` puts its preference event
   * there (the function may put records on it and encrypt with its key, nothing more).
   * @default - no stream: the consent route answers 501
   */
  readonly stream?: kinesis.IStream;
  /**
   * Encrypts the function's log group and the access logs: it must let
   * CloudWatch Logs use it (see `DataKey.allowCloudWatchLogs`).
   * @default - CloudWatch Logs' service-owned encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /** Applied to the log groups. */
  readonly removalPolicy: RemovalPolicy;
  /** Retention of the function's log group and of the access logs. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The profile API: a regional REST API whose every method takes AWS_IAM
 * (SigV4) authorization. One function serves every route but unmerge and
 * only reads the profile table (a consent change goes to the stream); the
 * unmerge route has its own function, the only one with write access.
 *
 *   GET  /profiles?<type>=<value>        look a profile up by one identifier
 *   GET  /profiles/{id}                  the profile, /identities, /merges
 *   POST /profiles/{id}/unmerge          { restoredId, reason? }, validated by a model
 *   GET  /profiles/{id}/consent          consent per purpose and its history
 *   PUT  /profiles/{id}/consent          { purposes, policyVersion?, source? }, validated by a model: a preference event on the stream
 *   GET  /segments, /segments/{name}/members?limit&cursor
 *   GET  /openapi.json                   the API's OpenAPI description
 *
 * The `v1` stage throttles, and logs every request as JSON to its own log
 * group; metrics and X-Ray tracing are on.
 *
 * Construct IDs are a contract (they name logical IDs): `ProfileApiHandler`
 * (with its `ProfileApiHandlerLogGroup` and `ProfileApiHandlerServiceRole`),
 * `UnmergeHandler` (likewise),
 * `ProfileApiAccessLogs` and `ProfileApi` (whose id is also the API's name).
 * They are the ids these resources had when the unification stack created
 * them itself; the stack adds this construct with the id `Default`, which
 * logical IDs leave out, so that moving them here replaced nothing.
 */
export class ProfileApi extends Construct {
  public readonly handler: C360Function;
  /** Serves `POST /profiles/{id}/unmerge`: read-write on the table. */
  public readonly unmergeHandler: C360Function;
  public readonly api: apigateway.RestApi;
  /** The `v1` stage's access logs. */
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ProfileApiProps) {
    super(scope, id);
    const { removalPolicy, logRetention } = props;
    const throttle = props.throttle ?? { rateLimit: 500, burstLimit: 1000 };

    this.handler = new C360Function(this, 'ProfileApiHandler', {
      entry: 'lambda/unification/functions/profile-api.ts',
      serviceName: PROFILE_API_SERVICE_NAME,
      description: 'Serves unified profiles, their identities, merge history, consent and segments; records consent decisions',
      logRetention,
      removalPolicy,
      ...(props.logEncryptionKey === undefined ? {} : { logEncryptionKey: props.logEncryptionKey }),
    });
    // Read-only: every route of this function reads; unmerge, the one that writes, is the next function's.
    this.handler.useTable(props.table, { envVar: UNIFICATION_ENV.table, access: 'read' });
    // A consent change is an event on the stream, not a table write: it goes through the consumer like any other.
    if (props.stream !== undefined) this.handler.putRecords(props.stream, { envVar: UNIFICATION_ENV.eventStream });

    this.unmergeHandler = new C360Function(this, 'UnmergeHandler', {
      entry: 'lambda/unification/functions/unmerge-api.ts',
      serviceName: UNMERGE_API_SERVICE_NAME,
      description: 'Splits a merged-away profile back out (POST /profiles/{id}/unmerge of the profile API)',
      logRetention,
      removalPolicy,
      ...(props.logEncryptionKey === undefined ? {} : { logEncryptionKey: props.logEncryptionKey }),
    });
    // Read-write: an unmerge rewrites two profiles and repoints identifiers in one transaction.
    this.unmergeHandler.useTable(props.table, { envVar: UNIFICATION_ENV.table, access: 'read-write' });

    this.accessLogs = new logs.LogGroup(this, 'ProfileApiAccessLogs', {
      retention: logRetention,
      removalPolicy,
      encryptionKey: props.logEncryptionKey,
    });

    this.api = new apigateway.RestApi(this, 'ProfileApi', {
      description: 'c360 profile API (IAM-authorized)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      },
    });
    const validator = this.api.addRequestValidator('ParameterValidator', {
      validateRequestParameters: true,
      // The GET methods declare no body model, so this is a no-op today; it
      // applies as soon as a method with a request model is added.
      validateRequestBody: true,
    });
    const integration = new apigateway.LambdaIntegration(this.handler, { allowTestInvoke: false });
    const unmergeIntegration = new apigateway.LambdaIntegration(this.unmergeHandler, { allowTestInvoke: false });

    const profiles = this.api.root.addResource('profiles');
    // `GET /profiles?<type>=<value>`: any configured identifier type, each optional
    // (the handler requires exactly one; it reads the same config).
    const lookup = profiles.addMethod('GET', integration, {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: validator,
      requestParameters: Object.fromEntries(props.identifierTypes.map((type) => [`method.request.querystring.${type}`, false])),
    });
    const profileById = profiles.addResource('{id}');
    const withId = { authorizationType: apigateway.AuthorizationType.IAM, requestValidator: validator, requestParameters: { 'method.request.path.id': true } };
    const byId = profileById.addMethod('GET', integration, withId);
    const identities = profileById.addResource('identities').addMethod('GET', integration, withId);
    const merges = profileById.addResource('merges').addMethod('GET', integration, withId);
    const unmergeModel = this.api.addModel('UnmergeRequest', {
      contentType: 'application/json',
      schema: {
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['restoredId'],
        additionalProperties: false,
        properties: {
          restoredId: { type: apigateway.JsonSchemaType.STRING, pattern: '^[A-Za-z0-9-]{1,64}$' },
          reason: { type: apigateway.JsonSchemaType.STRING, maxLength: 1000 },
        },
      },
    });
    const unmerge = profileById.addResource('unmerge').addMethod('POST', unmergeIntegration, { ...withId, requestModels: { 'application/json': unmergeModel } });
    // The purposes themselves are the config's: the handler checks them and names the one it does not know.
    const consentModel = this.api.addModel('ConsentRequest', {
      contentType: 'application/json',
      schema: {
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['purposes'],
        additionalProperties: false,
        properties: {
          purposes: {
            type: apigateway.JsonSchemaType.OBJECT,
            minProperties: 1,
            additionalProperties: { type: apigateway.JsonSchemaType.STRING, enum: ['granted', 'denied'] },
          },
          policyVersion: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 64 },
          source: { type: apigateway.JsonSchemaType.STRING, pattern: '^[a-z][a-z0-9_-]{0,63}$' },
        },
      },
    });
    const consentResource = profileById.addResource('consent');
    const getConsent = consentResource.addMethod('GET', integration, withId);
    const putConsent = consentResource.addMethod('PUT', integration, { ...withId, requestModels: { 'application/json': consentModel } });
    const segmentsResource = this.api.root.addResource('segments');
    const listSegments = segmentsResource.addMethod('GET', integration, { authorizationType: apigateway.AuthorizationType.IAM, requestValidator: validator });
    const members = segmentsResource
      .addResource('{name}')
      .addResource('members')
      .addMethod('GET', integration, {
        authorizationType: apigateway.AuthorizationType.IAM,
        requestValidator: validator,
        requestParameters: { 'method.request.path.name': true, 'method.request.querystring.limit': false, 'method.request.querystring.cursor': false },
      });

    // A liveness answer that reads no store; signed like every other method (the API is IAM-only).
    const health = this.api.root.addResource('health').addMethod('GET', integration, { authorizationType: apigateway.AuthorizationType.IAM });

    // The API's own OpenAPI description, served by the handler from the schemas it validates with.
    const openApi = this.api.root.addResource('openapi.json').addMethod('GET', integration, { authorizationType: apigateway.AuthorizationType.IAM });

    for (const method of [lookup, byId, identities, merges, unmerge, getConsent, putConsent, listSegments, members, health, openApi]) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'The profile API is called by back-end services, not end users: every method uses AWS_IAM (SigV4) authorization, so there is no Cognito user pool to authorize against.',
      });
    }
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Regional, IAM-only API: unsigned requests are rejected by API Gateway before any integration runs, and stage throttling bounds signed callers. A WAF web ACL (priced per ACL and request) is left to deployments that expose the API more widely.',
    });
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'JSON access logging to a dedicated log group, metrics and X-Ray tracing are on for the stage. Execution logging needs the account-wide API Gateway CloudWatch role, a per-account singleton this app deliberately does not manage (@aws-cdk/aws-apigateway:disableCloudWatchRole).',
    });
  }
}
