/** The ProfileApi construct on its own: its defaults, and the logical IDs its `Default` id keeps. */
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProfileApi } from '../../../lib/constructs/unification/profile-api';
import { logicalId, SYNTH_TIMEOUT_MS } from '../../support/infra-fixture';

describe('ProfileApi', () => {
  let api: ProfileApi;
  let template: Template;
  beforeAll(() => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'ProfileApiTest');
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    api = new ProfileApi(stack, 'Default', {
      table,
      identifierTypes: ['email'],
      removalPolicy: RemovalPolicy.DESTROY,
      logRetention: RetentionDays.ONE_WEEK,
    });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT_MS);

  it('throttles at 500 requests/s with bursts of 1000 by default', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 })]),
    });
  });

  it('leaves its log groups to CloudWatch Logs encryption when given no key', () => {
    for (const [id, logGroup] of Object.entries(template.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.KmsKeyId, id).toBeUndefined();
      expect(logGroup.DeletionPolicy, id).toBe('Delete');
    }
  });

  it('under the id Default, keeps the logical IDs its resources had when the unification stack created them', () => {
    // Logical IDs hash the construct path without `Default` segments: these are the unification stack's.
    expect(logicalId(api.api)).toBe('ProfileApiABF5D3F3');
    expect(logicalId(api.handler)).toBe('ProfileApiHandler9B65A298');
    expect(logicalId(api.accessLogs)).toBe('ProfileApiAccessLogs8345A87F');
    // The API's name is its construct id, shown in the console and the alarms' ApiName dimension.
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'ProfileApi' });
  });
});
