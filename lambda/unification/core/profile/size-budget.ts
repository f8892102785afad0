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
 * Sizes are UTF-8 bytes of JSON.stringify, the form the store encodes. The
 * check first takes a cheap upper bound (jsonBytesBound) and stringifies
 * only a profile the bound does not clear: nearly every profile is a few KB,
 * and stringifying it for the check alone would cost more than the rest of
 * its write's planning.
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

/**
 * The longest JSON of a number: 17 significant digits with a sign, a point
 * and an exponent ("-1.2345678901234567e-308"), or in fixed notation down to
 * 1e-6 ("-0.0000012345678901234567"): 25 characters.
 */
const MAX_NUMBER_JSON = 25;

/**
 * An upper bound on the UTF-8 bytes of JSON.stringify(value), computed
 * without building the string; it stops adding once past `limit` (anything
 * over the limit is as good as the exact figure for a check against it).
 * A UTF-16 unit takes at most 6 bytes of JSON ("\u001f"), a number 25, and
 * a value JSON.stringify leaves out is counted anyway. Objects that are not
 * plain data (a toJSON, a class instance) are measured exactly.
 */
export function jsonBytesBound(value: unknown, limit: number = Number.POSITIVE_INFINITY): number {
  switch (typeof value) {
    case 'string':
      return 6 * value.length + 2;
    case 'number':
      return MAX_NUMBER_JSON;
    case 'boolean':
      return 5;
    case 'object':
      break;
    default:
      // undefined, functions and symbols: "null" in an array, left out of an object.
      return 4;
  }
  if (value === null) return 4;
  if (Array.isArray(value)) {
    let n = 2;
    for (let i = 0; i < value.length && n <= limit; i++) n += jsonBytesBound(value[i], limit) + 1;
    return n;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) return jsonBytes(value);
  let n = 2;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    // "key": and a comma
    n += 6 * key.length + 4 + jsonBytesBound(record[key], limit);
    if (n > limit) break;
  }
  return n;
}

/**
 * Why `profile` cannot be stored (its JSON breaks PROFILE_BUDGET_BYTES), or
 * undefined when it fits. Exact bytes are taken only when the bound does not
 * clear it, so the reason always quotes the real size.
 */
export function profileOverBudget(profile: object): string | undefined {
  if (jsonBytesBound(profile, PROFILE_BUDGET_BYTES) <= PROFILE_BUDGET_BYTES) return undefined;
  const bytes = profileBytes(profile);
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
