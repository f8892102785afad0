/**
 * Which campaigns a trigger sets off, and the occurrence that makes one
 * delivery of a trigger one message: a segment entry's entry time, an
 * event's messageId, a scheduled run's time.
 */
import type { C360Config } from '../../../config';
import type { CampaignDefinition, CampaignTrigger } from '../../../config/activation';

/** A trigger as it arrives: a segment change, a stream event, a scheduled run of one campaign. */
export type IncomingTrigger =
  | { readonly kind: 'segmentEntered' | 'segmentExited'; readonly segment: string }
  | { readonly kind: 'event'; readonly name: string }
  | { readonly kind: 'schedule'; readonly campaign: string };

export interface MatchedCampaign {
  readonly name: string;
  readonly campaign: CampaignDefinition;
}

/** Whether a campaign's trigger is this one (enabled or not). */
export function triggerMatches(trigger: CampaignTrigger, incoming: IncomingTrigger, name: string): boolean {
  switch (incoming.kind) {
    case 'segmentEntered':
      return 'segmentEntered' in trigger && trigger.segmentEntered === incoming.segment;
    case 'segmentExited':
      return 'segmentExited' in trigger && trigger.segmentExited === incoming.segment;
    case 'event':
      return 'event' in trigger && trigger.event === incoming.name;
    case 'schedule':
      return 'schedule' in trigger && name === incoming.campaign;
  }
}

/** The enabled campaigns the trigger sets off, in config order. */
export function campaignsFor(config: Pick<C360Config, 'activation'>, incoming: IncomingTrigger): MatchedCampaign[] {
  return Object.entries(config.activation.campaigns)
    .filter(([name, c]) => c.enabled && triggerMatches(c.trigger, incoming, name))
    .map(([name, campaign]) => ({ name, campaign }));
}

/** Event names some enabled campaign is triggered by (the stream consumer skips every other event cheaply). */
export function triggerEventNames(config: Pick<C360Config, 'activation'>): Set<string> {
  const names = new Set<string>();
  for (const c of Object.values(config.activation.campaigns)) if (c.enabled && 'event' in c.trigger) names.add(c.trigger.event);
  return names;
}

/** The segment a scheduled campaign broadcasts to, or undefined when it is not a scheduled campaign. */
export function scheduledSegment(campaign: Pick<CampaignDefinition, 'trigger'>): string | undefined {
  return 'schedule' in campaign.trigger ? campaign.trigger.segment : undefined;
}
