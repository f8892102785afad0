/**
 * How the activation pillar addresses an event to a profile on the event
 * stream (feedback, scores, consent from an unsubscribe): by its userId,
 * else its anonymousId, as the profile API addresses a consent decision, so
 * identity resolution puts it on the same profile (or its survivor).
 */

export type EventAddress = { readonly userId: string } | { readonly anonymousId: string };

/** The address of a profile with these identifiers; undefined when it has neither a userId nor an anonymousId. */
export function eventAddress(identifiers: Readonly<Record<string, readonly string[]>>): EventAddress | undefined {
  const userId = identifiers.userId?.[0];
  if (userId !== undefined) return { userId };
  const anonymousId = identifiers.anonymousId?.[0];
  return anonymousId === undefined ? undefined : { anonymousId };
}
