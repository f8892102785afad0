/**
 * What the campaign rules and templates read of a customer: the fields of
 * the unification pillar's customer view they use (core/ stays on its own
 * pillar's types; the customer view passes as it is, structurally).
 */
export interface CampaignView {
  readonly profileId: string;
  /** Identifier type → normalised values (the channel addresses; never in a template). */
  readonly identifiers: Readonly<Record<string, readonly string[]>>;
  readonly traits: Readonly<Record<string, unknown>>;
  readonly computed: Readonly<Record<string, unknown>>;
  /** Segment name → entry time (ISO-8601). */
  readonly segments: Readonly<Record<string, string>>;
  /** Purpose → granted or denied. */
  readonly consent: Readonly<Record<string, 'granted' | 'denied'>>;
  readonly scores: Readonly<Record<string, unknown>>;
  readonly channels: Readonly<Record<string, number>>;
}
