/**
 * Rendering a campaign's template parts for one customer, with c360's one
 * Liquid configuration (lambda/config/activation-templates.ts): strict
 * filters and variables, so a variable missing for this customer is an
 * error of this message, found before anything is sent. The HTML body's
 * output is HTML-escaped; the subject, text, title and URL are not HTML and
 * render with the same options without that escape.
 *
 * What a template reads (TEMPLATE_ROOTS):
 *   profile          { profileId, traits, computed, segments, scores, channels } — no identifiers, no addresses
 *   event            { name, properties } of the trigger event (absent unless event-triggered)
 *   campaign         { name, channel }
 *   segment          the segment's name (segment- and schedule-triggered)
 *   recommendations  [{ itemId, score, attributes }] (may be empty)
 *   unsubscribeUrl   the signed unsubscribe link, '' when there is none
 *   now              the render time, ISO-8601
 */
import { Liquid, type Template } from 'liquidjs';
import type { CampaignTemplate, Channel } from '../../../config/activation';
import { LIQUID_OPTIONS, liquid } from '../../../config/activation-templates';
import type { RenderedContent, TriggerOccurrence } from '../../contracts/messages';
import type { Recommendation } from '../../contracts/recommendations';
import type { CampaignView } from './view';

let plainEngine: Liquid | undefined;
/** The engine of the parts that are not HTML: the same options, no HTML escape. */
function plain(): Liquid {
  plainEngine ??= new Liquid({ ...LIQUID_OPTIONS, outputEscape: undefined, cache: 200 });
  return plainEngine;
}

/** Parsed templates by engine and source: a campaign's parts parse once per process. */
const parsed = new WeakMap<Liquid, Map<string, Template[]>>();
const MAX_PARSED = 500;

function parse(engine: Liquid, source: string): Template[] {
  let cache = parsed.get(engine);
  if (cache === undefined) {
    cache = new Map();
    parsed.set(engine, cache);
  }
  let templates = cache.get(source);
  if (templates === undefined) {
    templates = engine.parse(source);
    if (cache.size >= MAX_PARSED) cache.clear();
    cache.set(source, templates);
  }
  return templates;
}

export interface TemplateInput {
  readonly view: CampaignView;
  readonly campaignName: string;
  readonly channel: Channel;
  readonly trigger: TriggerOccurrence;
  readonly recommendations: readonly Recommendation[];
  readonly unsubscribeUrl?: string;
  readonly nowMs: number;
}

/** The variables a template sees (the shape documented above). */
export function templateContext(input: TemplateInput): Record<string, unknown> {
  const { view, trigger } = input;
  return {
    profile: {
      profileId: view.profileId,
      traits: view.traits,
      computed: view.computed,
      segments: view.segments,
      scores: view.scores,
      channels: view.channels,
    },
    ...(trigger.event === undefined ? {} : { event: { name: trigger.event.name, properties: trigger.event.properties } }),
    campaign: { name: input.campaignName, channel: input.channel },
    ...(trigger.segment === undefined ? {} : { segment: trigger.segment }),
    recommendations: input.recommendations.map((r) => ({ itemId: r.itemId, score: r.score, attributes: r.attributes ?? {} })),
    unsubscribeUrl: input.unsubscribeUrl ?? '',
    now: new Date(input.nowMs).toISOString(),
  };
}

export type RenderResult =
  | { readonly ok: true; readonly content: RenderedContent }
  | { readonly ok: false; readonly part: keyof CampaignTemplate; readonly error: string };

const PARTS: readonly (keyof CampaignTemplate)[] = ['subject', 'html', 'text', 'title', 'url'];

/** Renders every part the template has; the first part that fails ends it with the part and the error. */
export function renderTemplate(template: CampaignTemplate, context: Record<string, unknown>): RenderResult {
  const content: { -readonly [K in keyof RenderedContent]: string } = {};
  for (const part of PARTS) {
    const source = template[part];
    if (source === undefined) continue;
    const engine = part === 'html' ? liquid() : plain();
    try {
      content[part] = String(engine.renderSync(parse(engine, source), context));
    } catch (e) {
      return { ok: false, part, error: `${part}: ${(e as Error).message}` };
    }
  }
  return { ok: true, content };
}
