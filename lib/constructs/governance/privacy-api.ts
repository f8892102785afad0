/** The IAM-authorized privacy API: start an erasure, read its receipt, lift a suppression. */
import { Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { GOVERNANCE_ENV } from '../../../lambda/governance/contracts/env';
import { C360Function } from '../common/c360-function';
import { acknowledgeWildcardResource } from '../common/nag';
import type { AuditLog } from './audit-log';
import { ERASURE_RECEIPTS_PREFIX, ERASURE_WORK_PREFIX } from './erasure-workflow';
import type { SuppressionList } from './suppression-list';

export interface PrivacyApiProps {
  readonly stateMachine: sfn.IStateMachine;
  /** The governance bucket (receipts) and its key. */
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  readonly suppression: SuppressionList;
  readonly audit: AuditLog;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The privacy API, for the back-office tools and people who handle data
 * subject requests. Regional REST API, AWS_IAM (SigV4) on every method:
 *
 *   POST   /privacy/erasures          { identifier: { type, value } | profileId, reason? } → 202 { requestId }
 *   GET    /privacy/erasures/{id}     the receipt (hashes only)
 *   DELETE /privacy/suppressions      { identifier } → lift a suppression (the person came back and consented)
 *
 * One function (lambda/governance/functions/privacy-api.ts): it starts the
 * erasure state machine (the request is handed over in the encrypted work
 * object, not the execution input), reads receipts, manages the
 * suppression list and writes every call to the audit log. The stage
 * throttles and logs each request as JSON to its own encrypted log group.
 */
export class PrivacyApi extends Construct {
  public readonly handler: C360Function;
  public readonly api: apigateway.RestApi;
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PrivacyApiProps) {
    super(scope, id);
    const { bucket, key, removalPolicy, logRetention } = props;

    this.handler = new C360Function(this, 'Handler', {
      entry: 'lambda/governance/functions/privacy-api.ts',
      serviceName: 'privacy-api',
      description: 'c360 privacy API: erasure requests and receipts, suppression list',
      logRetention,
      removalPolicy,
      logEncryptionKey: key,
      environment: { [GOVERNANCE_ENV.erasureStateMachine]: props.stateMachine.stateMachineArn },
    });
    props.stateMachine.grantStartExecution(this.handler);
    this.handler.putObjects(bucket, { envVar: GOVERNANCE_ENV.governanceBucket, prefix: ERASURE_WORK_PREFIX });
    const receipts = bucket.arnForObjects(`${ERASURE_RECEIPTS_PREFIX}*`);
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [receipts] }));
    this.handler.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [key.keyArn] }));
    acknowledgeWildcardResource(
      this.handler.role as iam.IRole,
      receipts,
      `The privacy API reads (s3:GetObject) erasure receipts under "${ERASURE_RECEIPTS_PREFIX}" of the governance bucket only: S3 expresses a key prefix as a trailing wildcard.`,
    );
    props.suppression.grantManage(this.handler);
    props.audit.grantWrite(this.handler);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy, encryptionKey: key });
    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'c360 privacy API (IAM-authorized): erasures and suppressions',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.throttle.rateLimit,
        throttlingBurstLimit: props.throttle.burstLimit,
      },
    });
    const validator = this.api.addRequestValidator('Validator', { validateRequestParameters: true, validateRequestBody: true });
    const integration = new apigateway.LambdaIntegration(this.handler, { allowTestInvoke: false });
    const iamAuth = { authorizationType: apigateway.AuthorizationType.IAM, requestValidator: validator };
    const identifier = {
      type: apigateway.JsonSchemaType.OBJECT,
      required: ['type', 'value'],
      additionalProperties: false,
      properties: {
        type: { type: apigateway.JsonSchemaType.STRING, pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' },
        value: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 1024 },
      },
    } satisfies apigateway.JsonSchema;
    const erasureModel = this.api.addModel('ErasureRequest', {
      contentType: 'application/json',
      schema: {
        type: apigateway.JsonSchemaType.OBJECT,
        additionalProperties: false,
        properties: {
          identifier,
          profileId: { type: apigateway.JsonSchemaType.STRING, pattern: '^[A-Za-z0-9-]{1,64}$' },
          reason: { type: apigateway.JsonSchemaType.STRING, maxLength: 1000 },
        },
      },
    });
    const suppressionModel = this.api.addModel('SuppressionRemoval', {
      contentType: 'application/json',
      schema: {
        type: apigateway.JsonSchemaType.OBJECT,
        required: ['identifier'],
        additionalProperties: false,
        properties: { identifier, reason: { type: apigateway.JsonSchemaType.STRING, maxLength: 1000 } },
      },
    });

    const privacy = this.api.root.addResource('privacy');
    const erasures = privacy.addResource('erasures');
    const start = erasures.addMethod('POST', integration, { ...iamAuth, requestModels: { 'application/json': erasureModel } });
    const receipt = erasures.addResource('{id}').addMethod('GET', integration, { ...iamAuth, requestParameters: { 'method.request.path.id': true } });
    const lift = privacy.addResource('suppressions').addMethod('DELETE', integration, { ...iamAuth, requestModels: { 'application/json': suppressionModel } });

    for (const method of [start, receipt, lift]) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'The privacy API is called by back-office services and operators with IAM identities, not end users: every method uses AWS_IAM (SigV4) authorization, so there is no Cognito user pool to authorize against.',
      });
    }
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Regional, IAM-only API for a handful of internal callers: unsigned requests are rejected by API Gateway before any integration runs, and stage throttling bounds signed callers. A WAF web ACL (priced per ACL and request) adds nothing an IAM policy does not already decide.',
    });
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'JSON access logging to a dedicated encrypted log group, metrics and X-Ray tracing are on for the stage. Execution logging needs the account-wide API Gateway CloudWatch role, a per-account singleton this app deliberately does not manage (@aws-cdk/aws-apigateway:disableCloudWatchRole).',
    });
  }
}
