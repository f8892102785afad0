import { beforeAll, describe, expect, it } from 'vitest';
import { PILLARS, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../support/infra-fixture';

const STATEFUL_TYPES = [
  'AWS::KMS::Key',
  'AWS::Kinesis::Stream',
  'AWS::S3::Bucket',
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::Logs::LogGroup',
];

describe.each([
  { removalPolicy: 'retain' as const, cfn: 'Retain' },
  { removalPolicy: 'destroy' as const, cfn: 'Delete' },
])('removalPolicy "$removalPolicy"', ({ removalPolicy, cfn }) => {
  let t: TestApp;
  beforeAll(() => {
    t = testApp({ removalPolicy });
  }, SYNTH_TIMEOUT_MS);

  it(`gives every stateful resource DeletionPolicy and UpdateReplacePolicy ${cfn}`, () => {
    const seenTypes = new Set<string>();
    for (const pillar of PILLARS) {
      const template = t.template(pillar);
      for (const type of STATEFUL_TYPES) {
        for (const [id, resource] of Object.entries(template.findResources(type))) {
          seenTypes.add(type);
          expect(resource.DeletionPolicy, `${pillar}/${id}`).toBe(cfn);
          expect(resource.UpdateReplacePolicy, `${pillar}/${id}`).toBe(cfn);
        }
      }
    }
    expect([...seenTypes].sort()).toEqual([...STATEFUL_TYPES].sort());
  });

  it(`turns table deletion protection ${removalPolicy === 'retain' ? 'on' : 'off'}`, () => {
    t.template('unification').hasResourceProperties('AWS::DynamoDB::Table', {
      DeletionProtectionEnabled: removalPolicy === 'retain',
    });
  });
});
