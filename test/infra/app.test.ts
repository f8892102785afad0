import { Stack } from 'aws-cdk-lib';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../lambda/config';
import { resolveEnv } from '../../lib/stacks';
import { PILLARS, SYNTH_TIMEOUT_MS, testApp, type TestApp } from '../support/infra-fixture';

describe('the c360 CDK app', () => {
  let t: TestApp;
  beforeAll(() => {
    t = testApp({ appName: 'acme360' });
  }, SYNTH_TIMEOUT_MS);

  it('builds exactly five stacks named <appName>-<pillar>', () => {
    const names = t.app.node.children.filter((c): c is Stack => Stack.isStack(c)).map((s) => s.stackName);
    expect(names.sort()).toEqual(PILLARS.map((p) => `acme360-${p}`).sort());
    for (const pillar of PILLARS) expect(t.stacks[pillar].stackName).toBe(`acme360-${pillar}`);
  });

  it('deploys unification after collection, analytics after both, activation after the three (stream, lake, table, bus, Athena), governance last', () => {
    // Cross-stack references (Fn::GetStackOutput) become stack dependencies at synthesis.
    expect(t.stacks.unification.dependencies).toContain(t.stacks.collection);
    expect(t.stacks.analytics.dependencies).toEqual(expect.arrayContaining([t.stacks.collection, t.stacks.unification]));
    // Governance governs the others' resources (tables, buckets, functions): it deploys last.
    expect(t.stacks.governance.dependencies).toEqual(expect.arrayContaining([t.stacks.collection, t.stacks.unification, t.stacks.analytics]));
    expect(t.stacks.collection.dependencies).toEqual([]);
    // Activation reads the customer view and its bus, queries the lake and curated tables, and is governed (erased) by governance.
    expect(t.stacks.activation.dependencies).toEqual(expect.arrayContaining([t.stacks.collection, t.stacks.unification, t.stacks.analytics]));
    expect(t.stacks.governance.dependencies).toContain(t.stacks.activation);
  });

  it('publishes the outputs operators and producers need', () => {
    const collection = t.template('collection');
    for (const name of ['StreamName', 'StreamArn', 'LakeBucketName']) collection.hasOutput(name, {});
    const unification = t.template('unification');
    for (const name of ['TableName', 'ProfileApiUrl', 'OnFailureQueueUrl']) unification.hasOutput(name, {});
  });
});

describe('stack environment', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('takes account and region from config.env first', () => {
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '111111111111');
    vi.stubEnv('CDK_DEFAULT_REGION', 'us-east-1');
    const env = resolveEnv(parseConfig({ env: { account: '222222222222', region: 'eu-west-1' } }));
    expect(env).toEqual({ account: '222222222222', region: 'eu-west-1' });
  });

  it("falls back to the CDK CLI's default account and region", () => {
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', '111111111111');
    vi.stubEnv('CDK_DEFAULT_REGION', 'us-east-1');
    expect(resolveEnv(parseConfig({ env: { region: 'eu-west-1' } }))).toEqual({ account: '111111111111', region: 'eu-west-1' });
    expect(resolveEnv(parseConfig({}))).toEqual({ account: '111111111111', region: 'us-east-1' });
  });

  it('applies the resolved environment to every stack', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const t = testApp({ env: { account: '222222222222', region: 'eu-west-1' } }, { synth: false });
    for (const pillar of PILLARS) {
      expect(t.stacks[pillar].account).toBe('222222222222');
      expect(t.stacks[pillar].region).toBe('eu-west-1');
    }
  });
});
