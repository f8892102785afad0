/** The IAM-authorized REST activation API: recommendations for a profile, similar items; its stage's access logs. */
import { Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Stage throttling of the activation API. */
export interface ActivationApiThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface ActivationApiProps {
  /** The recommendations API function: every route here is integrated with it. */
  readonly recommendations: lambda.IFunction;
  /** @default { rateLimit: 200, burstLimit: 400 } */
  readonly throttle?: ActivationApiThrottle;
  /** Encrypts the access logs; it must let CloudWatch Logs use it. */
  readonly logEncryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A regional REST API whose methods take AWS_IAM (SigV4) authorization:
 *
 *   GET /profiles/{id}/recommendations?n=   items for a profile
 *   GET /items/{id}/similar?n=              items similar to an item
 *
 * The `v1` stage throttles and logs every request as JSON to its own
 * (encrypted) log group; metrics and X-Ray tracing are on. `api` is
 * exposed so that other activation routes (the public unsubscribe
 * endpoint) join the same API, each with its own authorization.
 *
 * Construct ids name logical IDs (`Api`, `AccessLogs`): keep them.
 */
export class ActivationApi extends Construct {
  public readonly api: apigateway.RestApi;
  public readonly accessLogs: logs.LogGroup;
  /** The validator of path and query parameters, for routes added later. */
  public readonly validator: apigateway.RequestValidator;

  constructor(scope: Construct, id: string, props: ActivationApiProps) {
    super(scope, id);
    const throttle = props.throttle ?? { rateLimit: 200, burstLimit: 400 };

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
      encryptionKey: props.logEncryptionKey,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'c360 activation API (IAM-authorized recommendations; the public unsubscribe endpoint)',
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
    this.validator = this.api.addRequestValidator('ParameterValidator', {
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const integration = new apigateway.LambdaIntegration(props.recommendations, { allowTestInvoke: false });
    const options = {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: this.validator,
      requestParameters: { 'method.request.path.id': true, 'method.request.querystring.n': false },
    };
    const recommendations = this.api.root.addResource('profiles').addResource('{id}').addResource('recommendations').addMethod('GET', integration, options);
    const similar = this.api.root.addResource('items').addResource('{id}').addResource('similar').addMethod('GET', integration, options);

    for (const method of [recommendations, similar]) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'The recommendation routes are called by back-end services (campaigns, storefront servers), not end users: they use AWS_IAM (SigV4) authorization, so there is no Cognito user pool to authorize against.',
      });
    }
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Regional API whose recommendation routes are IAM-only: unsigned requests to them are rejected before any integration runs, and stage throttling bounds every caller. A WAF web ACL (priced per ACL and request) is left to deployments that expose the API more widely.',
    });
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'JSON access logging to a dedicated log group, metrics and X-Ray tracing are on for the stage. Execution logging needs the account-wide API Gateway CloudWatch role, a per-account singleton this app deliberately does not manage (@aws-cdk/aws-apigateway:disableCloudWatchRole).',
    });
  }
}
