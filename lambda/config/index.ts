/**
 * The one c360 configuration. The CDK app, the Lambda handlers (the config is
 * bundled into them) and the local runtime all read the object this schema
 * validates; nothing is described twice. The sections are defined per pillar
 * (collection.ts, tracking-plan.ts, unification.ts, analytics.ts, activation.ts, governance.ts) and deployment-wide (common.ts).
 *
 * Pure module: no AWS SDK, no CDK import, so core/ and handlers may use it.
 */
// zod/mini: the same validation as zod, a fraction of the bundle (this module is bundled into every Lambda).
import * as z from 'zod/mini';
import './zod-locale';
import { activationSection } from './activation';
import { activationCrossIssues } from './activation-checks';
import { analyticsSection } from './analytics';
import { collectionSection, ingestSection } from './collection';
import { governanceSection } from './governance';
import { appName, envSection, localSection, logRetentionDays, monitoringSection, normalizationSection, removalPolicy } from './common';
import { trackingPlanSection } from './tracking-plan';
import { profileApiSection, unificationSection } from './unification';

export const configSchema = z.strictObject({
  appName,
  env: envSection,
  removalPolicy,
  logRetentionDays,
  collection: collectionSection,
  ingest: ingestSection,
  /** The tracking plan: per-event schemas and what a violation does (tracking-plan.ts). */
  trackingPlan: trackingPlanSection,
  unification: unificationSection,
  normalization: normalizationSection,
  profileApi: profileApiSection,
  analytics: analyticsSection,
  /** Recommendations, propensity scores, campaigns and their rules, audience exports (activation.ts). */
  activation: activationSection,
  /** PII classification, roles, Lake Formation, consent, data quality, erasure and audit (governance.ts). */
  governance: governanceSection,
  monitoring: monitoringSection,
  local: localSection,
}).check(z.superRefine((config, ctx) => activationCrossIssues(config, ctx)));

export type C360ConfigInput = z.input<typeof configSchema>;
export type C360Config = z.output<typeof configSchema>;

/** Validates a config object, throwing one readable error listing every problem. */
export function parseConfig(input: unknown): C360Config {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('\n');
    throw new Error(`Invalid c360 config:\n${problems}`);
  }
  return result.data;
}

/** Identity: lets a config file type-check its literal while staying plain data. */
export function defineConfig(input: C360ConfigInput): C360ConfigInput {
  return input;
}
