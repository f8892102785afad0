/**
 * Cross-field rules of the activation section, run on the whole config once
 * its sections are valid: every segment a campaign or an export names
 * exists, every consent purpose is configured, push has its token
 * identifier, and Personalize user attributes are computed traits that are
 * not personal data.
 */
import type * as z from 'zod/mini';
import type { ActivationConfig } from './activation';

interface ConfigView {
  readonly activation: ActivationConfig;
  readonly unification: { readonly segments: Readonly<Record<string, unknown>>; readonly computedTraits: Readonly<Record<string, unknown>>; readonly identity: { readonly identifiers: readonly string[] } };
  readonly governance: {
    readonly consent: { readonly purposes: Readonly<Record<string, unknown>>; readonly uses: Readonly<Partial<Record<string, readonly string[]>>> };
    readonly classification: { readonly fields: Readonly<Record<string, { readonly class: string }>> };
  };
}

type Ctx = z.core.$RefinementCtx<unknown>;

export function activationCrossIssues(config: ConfigView, ctx: Ctx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path: ['activation', ...path], input: config.activation, message });
  const segments = Object.keys(config.unification.segments);
  const purposes = Object.keys(config.governance.consent.purposes);
  const segmentProblem = (name: string) =>
    segments.includes(name) ? undefined : `unknown segment ${JSON.stringify(name)}; the segments are ${segments.join(', ') || '(none)'} (unification.segments)`;

  let push = false;
  for (const [name, c] of Object.entries(config.activation.campaigns)) {
    const t = c.trigger as Record<string, string>;
    for (const key of ['segmentEntered', 'segmentExited', 'segment']) {
      const s = t[key];
      if (s === undefined) continue;
      const problem = segmentProblem(s);
      if (problem !== undefined) issue(['campaigns', name, 'trigger', key], problem);
    }
    if (c.purpose !== undefined && !purposes.includes(c.purpose)) {
      issue(['campaigns', name, 'purpose'], `unknown consent purpose ${JSON.stringify(c.purpose)}; the purposes are ${purposes.join(', ')} (governance.consent.purposes)`);
    }
    if (c.channel === 'push') push = true;
  }
  for (const [name, e] of Object.entries(config.activation.audienceExports)) {
    const problem = segmentProblem(e.segment);
    if (problem !== undefined) issue(['audienceExports', name, 'segment'], problem);
  }
  const token = config.activation.messaging.push.tokenIdentifier;
  if (push && !config.unification.identity.identifiers.includes(token)) {
    issue(['messaging', 'push', 'tokenIdentifier'], `push campaigns send to device tokens held as identifiers of type "${token}": add it to unification.identity.identifiers`);
  }
  const traits = Object.keys(config.unification.computedTraits);
  config.activation.recommendations.userAttributes.forEach((attr, i) => {
    if (!traits.includes(attr)) {
      issue(['recommendations', 'userAttributes', i], `unknown computed trait ${JSON.stringify(attr)}; the computed traits are ${traits.join(', ')}`);
    } else if ((config.governance.classification.fields[`traits.${attr}`]?.class ?? 'none') !== 'none') {
      issue(['recommendations', 'userAttributes', i], `"${attr}" is classified as personal data (governance.classification.fields): Personalize user attributes must be class none`);
    }
  });
  const r = config.activation.recommendations;
  if (r.defaultCount > r.maxCount) issue(['recommendations', 'defaultCount'], `defaultCount (${r.defaultCount}) is above maxCount (${r.maxCount})`);
}
