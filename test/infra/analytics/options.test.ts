/** The analytics stack's optional parts as the config switches them, in the whole app with cdk-nag, and config mistakes named by path. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/config';
import { SYNTH_TIMEOUT_MS, testApp } from '../../support/infra-fixture';

const PRINCIPAL = 'arn:aws:quicksight:us-east-1:123456789012:user/default/analyst';

describe('analytics stack options', () => {
  it('adds QuickSight when a principal is configured, and the whole app stays clean under cdk-nag', { timeout: SYNTH_TIMEOUT_MS * 2 }, () => {
    const t = testApp({ analytics: { quicksight: { principalArn: PRINCIPAL } } }, { complianceChecks: true });
    const template = t.template('analytics');
    template.resourceCountIs('AWS::QuickSight::DataSource', 1);
    template.resourceCountIs('AWS::QuickSight::Dashboard', 1);
    template.hasResourceProperties('AWS::QuickSight::DataSource', { Type: 'ATHENA' });
    expect(Object.keys(template.findResources('AWS::QuickSight::DataSet')).length).toBeGreaterThanOrEqual(5);
  });

  it('makes no QuickSight resource without a principal, and Redshift Serverless by default', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const template = testApp().template('analytics');
    expect(template.findResources('AWS::QuickSight::Dashboard')).toEqual({});
    template.resourceCountIs('AWS::RedshiftServerless::Namespace', 1);
    template.resourceCountIs('AWS::RedshiftServerless::Workgroup', 1);
  });

  it('leaves Redshift out when disabled, keeping Athena and the export', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const template = testApp({ analytics: { redshift: { enabled: false } } }).template('analytics');
    expect(template.findResources('AWS::RedshiftServerless::Namespace')).toEqual({});
    expect(template.findResources('AWS::EC2::VPC')).toEqual({});
    template.resourceCountIs('AWS::Athena::WorkGroup', 1);
  });

  it.each([
    [{ analytics: { redshift: { baseCapacityRpu: 12 } } }, 'analytics.redshift.baseCapacityRpu'],
    [{ analytics: { redshift: { vpc: { vpcId: 'vpc-1', subnetIds: ['subnet-0123abcd'] } } } }, 'analytics.redshift.vpc.vpcId'],
    [{ analytics: { quicksight: { principalArn: 'analyst' } } }, 'analytics.quicksight.principalArn'],
    [{ analytics: { export: { everyMinutes: 1 } } }, 'analytics.export.everyMinutes'],
  ])('refuses a config mistake naming its path (%j)', (input, path) => {
    expect(() => parseConfig(input)).toThrow(path);
  });

  it('fails synthesis naming the computed trait whose column collides', { timeout: SYNTH_TIMEOUT_MS }, () => {
    expect(() =>
      testApp({
        unification: {
          computedTraits: {
            lastOrderAt: { op: 'max', property: '$timestamp', where: { event: 'Order Completed' } },
            last_order_at: { op: 'max', property: '$timestamp', where: { event: 'Order Completed' } },
          },
          // The example segments read the example computed traits.
          segments: {},
        },
      }),
    ).toThrow(/unification\.computedTraits\.last_?[oO]rder_?[aA]t.*column/s);
  });
});
