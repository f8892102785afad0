import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, logicalId, type PolicyStatement, roleStatements, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../../support/infra-fixture';

const conditionOf = (statement: PolicyStatement | undefined) => (statement as { Condition?: unknown } | undefined)?.Condition;

describe('unification: segments and batch matching', () => {
  let t: TestApp;
  let template: Template;
  beforeAll(() => {
    t = testApp({ unification: { recheckMinutes: 30, entityResolution: { mode: 'rule', schedule: 'cron(0 3 * * ? *)' } } });
    template = t.template('unification');
  }, SYNTH_TIMEOUT_MS);

  it('streams old and new images of the profile table and indexes profiles by re-check time, sparsely', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'recheck',
          KeySchema: [
            { AttributeName: 'rs', KeyType: 'HASH' },
            { AttributeName: 'recheckAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('feeds only profile items of the stream to the segment-changes function, with bisect, partial failures and an on-failure queue', () => {
    const segments = t.stacks.unification.segments;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(segments.changes) },
      EventSourceArn: { 'Fn::GetAtt': [logicalId(t.stacks.unification.table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ dynamodb: { Keys: { sk: { S: ['P'] } } } }) }] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(segments.onFailureQueue), 'Arn'] } } },
    });
  });

  it('publishes to its own encrypted bus, and may put events on that bus only', () => {
    const segments = t.stacks.unification.segments;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: { Ref: logicalId(segments.bus) } }) },
    });
    const statements = roleStatements(template, logicalId(segments.changes.role!));
    const put = statements.filter((s) => JSON.stringify(s.Action).includes('events:PutEvents'));
    expect(put).toHaveLength(1);
    expect(put[0]?.Resource).toEqual({ 'Fn::GetAtt': [logicalId(segments.bus), 'Arn'] });
  });

  it('lets the segment-changes function write membership items (SEG# partitions) only, and read the table', () => {
    const segments = t.stacks.unification.segments;
    const tableId = logicalId(t.stacks.unification.table);
    const onTable = roleStatements(template, logicalId(segments.changes.role!)).filter(
      (s) => JSON.stringify(s.Resource).includes(tableId) && actionsOf([s]).some((a) => a.startsWith('dynamodb:')),
    );
    const writes = onTable.filter((s) => actionsOf([s]).some((a) => a === 'dynamodb:PutItem' || a === 'dynamodb:DeleteItem' || a === 'dynamodb:BatchWriteItem'));
    expect(writes).toHaveLength(1);
    expect(conditionOf(writes[0])).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SEG#*'] },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    });
    const unconditioned = onTable.filter((s) => conditionOf(s) === undefined);
    expect(actionsOf(unconditioned)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    expect(actionsOf(unconditioned).filter((a) => /Put|Update|Delete|Write|ConditionCheck/.test(a))).toEqual([]);
  });

  it('re-checks on the configured schedule, querying the re-check index only', () => {
    const recheck = t.stacks.unification.segments.recheck;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(recheck), 'Arn'] } })],
    });
    const statements = roleStatements(template, logicalId(recheck.role!));
    const index = statements.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
    expect(index).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(t.stacks.unification.table), 'Arn'] }, '/index/recheck']] },
      }),
    ]);
  });

  it("runs the apply-matches function on Entity Resolution's results, with writes to the table and reports next to them only", () => {
    const apply = t.stacks.unification.applyMatches;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.s3'], 'detail-type': ['Object Created'] }),
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(apply), 'Arn'] } })],
    });
    const actions = actionsOf(roleStatements(template, logicalId(apply.role!)));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 's3:GetObject', 's3:PutObject']));
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions.filter((a) => a.startsWith('s3:') && !['s3:GetObject', 's3:PutObject', 's3:ListBucket'].includes(a))).toEqual([]);
  });
});
