/**
 * The activation table, defined once: the stack (lib/constructs/activation/)
 * and the local runtime (lambda/local/servers.ts) build it from this; the
 * adapters and the erasure read and write the keys it names. One table, key
 * `pk`/`sk`, TTL `expiresAt`, no stream, no index:
 *
 *   MSG#<profileId>     K#<campaign>#<occurrence>   a message: idempotency key, rule outcomes, delivery
 *   DUE                 <dueAt ISO>#<profileId>#<campaign>#<occurrence>   a send deferred by quiet hours
 *   INT#<profileId>     <time ISO>#<itemId>#<eventType>   one interaction (built-in recommender)
 *   ITEM#<itemId>       ITEM                        an item of the catalog (no personal data)
 *   CONTACT#<channel>#<sha256 of the address>  SUP  a bounced or complained address, an opted-out number
 *   STATE               <name>                      job state (model versions, export debounce): no personal data
 *
 * Every item keyed by a profile id (MSG#, INT#) and every contact item is
 * reached by the erasure (lambda/governance/adapters/, store `activation`).
 */
import { createHash } from 'node:crypto';
import type { Channel } from '../../config/activation';
import { normalizePhone } from '../../shared/normalize';

export const ACTIVATION_PK = 'pk';
export const ACTIVATION_SK = 'sk';
export const ACTIVATION_TTL = 'expiresAt';

export const MESSAGE_PK_PREFIX = 'MSG#';
export const MESSAGE_SK_PREFIX = 'K#';
export const DUE_PK = 'DUE';
export const INTERACTION_PK_PREFIX = 'INT#';
export const ITEM_PK_PREFIX = 'ITEM#';
export const ITEM_SK = 'ITEM';
export const CONTACT_PK_PREFIX = 'CONTACT#';
export const CONTACT_SK = 'SUP';
export const STATE_PK = 'STATE';

/** The address as it is hashed: email trimmed and lower-cased, phone in E.164, token as it is. */
export function normalizeContact(channel: Channel, address: string, defaultPhoneRegion: string): string {
  switch (channel) {
    case 'email':
      return address.trim().toLowerCase();
    case 'sms':
      return normalizePhone(address, defaultPhoneRegion) ?? address.trim();
    case 'push':
      return address;
  }
}

/** The hex SHA-256 of the normalised address: the `<hash>` of its contact item's key. */
export function contactAddressHash(channel: Channel, address: string, defaultPhoneRegion: string): string {
  return createHash('sha256').update(normalizeContact(channel, address, defaultPhoneRegion), 'utf8').digest('hex');
}

export const messagePk = (profileId: string) => `${MESSAGE_PK_PREFIX}${profileId}`;
export const interactionPk = (profileId: string) => `${INTERACTION_PK_PREFIX}${profileId}`;
export const itemPk = (itemId: string) => `${ITEM_PK_PREFIX}${itemId}`;
/** `addressHash` is the hex SHA-256 of the normalised address (lower-cased email, E.164 phone, device token). */
export const contactPk = (channel: string, addressHash: string) => `${CONTACT_PK_PREFIX}${channel}#${addressHash}`;

/** The activation table's definition, in the shape the local servers and the stack build tables from. */
export const ACTIVATION_TABLE = {
  partitionKey: { name: ACTIVATION_PK, type: 'S' },
  sortKey: { name: ACTIVATION_SK, type: 'S' },
  timeToLiveAttribute: ACTIVATION_TTL,
} as const;
