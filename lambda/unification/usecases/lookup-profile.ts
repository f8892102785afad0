/**
 * Profile lookup for the profile API: by profile id (a merged-away id answers
 * with its survivor) or by any identifier, normalised the same way the
 * consumer normalises it.
 */
import { normalizeIdentifier } from '../../shared/normalize';
import { idKey } from '../core/identity/keys';
import type { Profile } from '../core/profile/profile';
import type { ProfileStore } from '../ports';

const MAX_HOPS = 8;

export type LookupQuery = { readonly profileId: string } | { readonly type: string; readonly value: string };

export type LookupResult =
  | { found: true; profile: Profile; requestedId?: string }
  | { found: false; reason: string; invalidQuery?: boolean };

export async function lookupProfile(store: ProfileStore, query: LookupQuery, defaultPhoneRegion: string): Promise<LookupResult> {
  let profileId: string;
  if ('profileId' in query) profileId = query.profileId;
  else {
    const value = normalizeIdentifier(query.type, query.value, defaultPhoneRegion);
    if (value === undefined) {
      return { found: false, invalidQuery: true, reason: `no ${query.type} can be read from ${JSON.stringify(query.value)}` };
    }
    const owner = (await store.getOwners([idKey(query.type, value)])).get(idKey(query.type, value));
    if (owner === undefined) return { found: false, reason: `no profile has ${query.type} ${value}` };
    profileId = owner;
  }
  const requested = profileId;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const profile = (await store.getProfiles([profileId])).get(profileId);
    if (profile === undefined) return { found: false, reason: `no profile ${requested}` };
    if (profile.mergedInto === undefined) {
      return { found: true, profile, ...(profile.profileId === requested ? {} : { requestedId: requested }) };
    }
    profileId = profile.mergedInto;
  }
  return { found: false, reason: `profile ${requested} redirects through more than ${MAX_HOPS} merges` };
}
