/**
 * The size budget of stored items. DynamoDB refuses an item over 400 KB, and
 * a write it refuses fails its whole batch: one profile that outgrew the
 * limit would stall its shard. So every item is kept under it by design:
 *
 *  - a profile document may hold at most PROFILE_BUDGET_BYTES of JSON. The
 *    budget is on the JSON before it is deflated: what deflate makes of it
 *    depends on the data, and raw DEFLATE never grows its input by more than
 *    a few bytes per 64 KB block, so a document within the budget fits
 *    whatever it holds, with room left for the item's other attributes;
 *  - journal items hold the events of one write in chunks of at most
 *    JOURNAL_CHUNK_BYTES (chunkEvents); the parser refuses events over 32 KB
 *    (shared/events.ts), so every event fits a chunk;
 *  - an event that would break the profile's budget (by what it adds, or by
 *    the merge it causes) is not applied: the planner reports it with a reason
 *    naming the limit, and the consumer quarantines it.
 *
 * Sizes are UTF-8 bytes of JSON.stringify, the form the store encodes.
 */
import { chunkBy } from '../../../shared/chunk';

/** DynamoDB's item size limit (names and values of every attribute). */
export const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;

/** The most JSON a profile document may hold (see above): 50 KB short of the item limit, for the item's other attributes. */
export const PROFILE_BUDGET_BYTES = 350 * 1024;

/** The most event JSON one journal item holds; a larger write is split over several items. */
export const JOURNAL_CHUNK_BYTES = 300 * 1024;

const jsonOfProfile = new WeakMap<object, string>();

/**
 * A profile's JSON, computed once per profile object: the budget check
 * measures it and the store encodes the same string (contracts/profile-document.ts).
 */
export function profileJson(profile: object): string {
  let json = jsonOfProfile.get(profile);
  if (json === undefined) jsonOfProfile.set(profile, (json = JSON.stringify(profile)));
  return json;
}

/** UTF-8 bytes of a profile's JSON (see profileJson). */
export function profileBytes(profile: object): number {
  return Buffer.byteLength(profileJson(profile), 'utf8');
}

/** UTF-8 bytes of a value's JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Why a profile document of `bytes` cannot be stored, or undefined when it fits. */
export function profileOverBudget(bytes: number): string | undefined {
  return bytes <= PROFILE_BUDGET_BYTES
    ? undefined
    : `profile size limit: the profile would hold ${kb(bytes)} of JSON, over its budget of ${kb(PROFILE_BUDGET_BYTES)} ` +
        `(DynamoDB items are limited to ${kb(DYNAMODB_ITEM_LIMIT_BYTES)})`;
}

/**
 * Splits events, in order, into chunks of at most `budget` bytes of JSON
 * each (an event larger than the budget on its own gets a chunk of its own).
 */
export function chunkEvents<E>(events: readonly E[], budget: number = JOURNAL_CHUNK_BYTES): E[][] {
  // Array brackets and commas: one byte per element over its own JSON.
  return chunkBy(events, { maxCount: Number.POSITIVE_INFINITY, maxBytes: budget, sizeOf: (e) => jsonBytes(e) + 1 });
}

function kb(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KB`;
}
