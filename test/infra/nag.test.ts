import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PILLARS, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../support/infra-fixture';

/** Every acknowledgment recorded in the tree, with where it was made. */
function acknowledgments(root: IConstruct): Array<{ path: string; scope: IConstruct; id: string; reason: string }> {
  return root.node.findAll().flatMap((scope) =>
    scope.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: scope.node.path, scope, id, reason })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  let t: TestApp;
  beforeAll(() => {
    // Synthesized: acknowledgments of cross-stack resources are recorded once references are resolved.
    t = testApp();
  }, SYNTH_TIMEOUT_MS);

  it.each(PILLARS)('%s: no unacknowledged error or warning', (pillar) => {
    const report = new AwsSolutionsChecks().validateScope(t.stacks[pillar]);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it.each(PILLARS)('%s: the CDK reports no error or warning annotation', (pillar) => {
    const annotations = Annotations.fromStack(t.stacks[pillar]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('acknowledges rules only on specific resources, never on an app or a whole stack, each with a reason', () => {
    const acks = acknowledgments(t.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      // The CDK's own, made on the stack when a VPC reads stack.availabilityZones (the Redshift warehouse's VPC).
      if (ack.id === 'CloudFormation-Validate::W3010' && ack.reason.startsWith('Literal AZs in template are the result of accessing stack.availabilityZones')) continue;
      expect(ack.scope instanceof App || Stack.isStack(ack.scope), `${ack.id} at ${ack.path}`).toBe(false);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(60);
    }
  });

  it('acknowledges the wildcard of the quarantine grant by its exact resource, not IAM5 as a whole', () => {
    const consumerAcks = acknowledgments(t.stacks.unification)
      .filter((a) => a.path.startsWith(`${t.stacks.unification.stackName}/UnifyConsumerServiceRole`))
      .map((a) => a.id.replace(/^Annotation::/, ''));
    expect(consumerAcks).toContain('AwsSolutions-IAM5[Resource::*]');
    expect(consumerAcks.filter((id) => id.includes('/quarantine/*'))).toHaveLength(1);
    expect(consumerAcks).not.toContain('AwsSolutions-IAM5');
  });

  it('fails synthesis on a new unacknowledged finding, as `cdk synth` would', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const app = testApp({}, { complianceChecks: true, synth: false });
    // A second, unacknowledged wildcard grant on the consumer role.
    app.stacks.unification.table.grantFullAccess(app.stacks.unification.consumer);
    expect(() => app.app.synth()).toThrow(/AwsSolutions-IAM5\[Action::dynamodb:\*\]/);
  });

  it('lets the whole app synthesize with the compliance plugin and CloudFormation validation as errors', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const app = testApp({}, { complianceChecks: true, synth: false });
    const assembly = app.app.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ summary?: unknown; violations?: unknown[] }>;
    };
    const violations = report.pluginReports.flatMap((r) => r.violations ?? []);
    expect(violations).toEqual([]);
  });
});
