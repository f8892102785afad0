/**
 * Builds the c360 app the way `cdk synth` does (same builder, same cdk.json
 * feature flags, CloudFormation validation as errors), minus esbuild bundling.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { parseConfig, type C360Config, type C360ConfigInput } from '../../lambda/config';
import { addComplianceChecks, buildApp, type C360Stacks } from '../../lib/stacks';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

export const PILLARS = ['collection', 'unification', 'analytics', 'activation', 'governance'] as const satisfies ReadonlyArray<
  keyof C360Stacks
>;

export interface TestApp {
  readonly app: App;
  readonly config: C360Config;
  readonly stacks: C360Stacks;
  /** The stack's synthesized template (synthesizing the app first if needed). */
  template(pillar: keyof C360Stacks): Template;
}

export interface TestAppOptions {
  /** Register cdk-nag's AwsSolutions plugin as bin/app.ts does. */
  readonly complianceChecks?: boolean;
  /** Synthesize right away (default), so that templates and resolved references are available. */
  readonly synth?: boolean;
}

/** Synthesis with the CloudFormation validation engine takes a few seconds the first time in a worker. */
export const SYNTH_TIMEOUT_MS = 60_000;

export function testApp(input: C360ConfigInput = {}, options: TestAppOptions = {}): TestApp {
  const config = parseConfig(input);
  // No stack needs bundling: NodejsFunction then skips esbuild (entries must still exist).
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildApp(app, config);
  if (options.complianceChecks) addComplianceChecks(app);
  if (options.synth ?? true) app.synth();
  const templates = new Map<keyof C360Stacks, Template>();
  return {
    app,
    config,
    stacks,
    template(pillar) {
      let template = templates.get(pillar);
      if (!template) {
        template = Template.fromStack(stacks[pillar]);
        templates.set(pillar, template);
      }
      return template;
    },
  };
}

/** Logical ID of an L2 construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild as CfnElement | undefined;
  if (!resource) throw new Error(`${construct.node.path} has no default CloudFormation resource`);
  return Stack.of(construct).getLogicalId(resource);
}

export interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement of the IAM policies attached to `roleLogicalId` in the template. */
export function roleStatements(template: Template, roleLogicalId: string): PolicyStatement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatement[]);
}

export function actionsOf(statements: PolicyStatement[]): string[] {
  return statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
}
