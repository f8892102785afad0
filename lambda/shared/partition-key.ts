/**
 * The Kinesis partition key of an event, one rule for every producer (the
 * HTTP collector, the batch-file import, `c360 send` and the demo): the
 * anonymousId, or the userId when there is none, so one visitor's events stay
 * in order on one shard (what the README asks of every producer).
 */
import { createHash } from 'node:crypto';
import { normalizeId } from './normalize';

/** Kinesis takes partition keys of 1 to 256 characters. */
const MAX_PARTITION_KEY = 256;

/**
 * The event's anonymousId, else its userId (trimmed; a blank one counts as
 * none), else its messageId, else `c360`. A key longer than Kinesis allows is
 * replaced by its SHA-256 (hex): still one key per visitor, and never a
 * surrogate pair cut in half.
 */
export function partitionKeyOf(event: Readonly<Record<string, unknown>>): string {
  const key = normalizeId(event.anonymousId) ?? normalizeId(event.userId) ?? normalizeId(event.messageId) ?? 'c360';
  return key.length <= MAX_PARTITION_KEY ? key : createHash('sha256').update(key).digest('hex');
}
