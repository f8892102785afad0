/** Small builders for Segment events and stream records used across tests. */
import { parseConfig } from '../../lambda/config';
import { unifySettings } from '../../lambda/unification/settings';
import type { ParseOptions } from '../../lambda/shared/events';
import type { StreamRecord } from '../../lambda/unification/core/records';
import type { UnifySettings } from '../../lambda/unification/usecases/unify-batch';

/** The settings of the default config: identifier types, limits and blocked values included. */
export const settings: UnifySettings = unifySettings(parseConfig({}));
export const parseOptions: Omit<ParseOptions, 'now'> = settings.parse;

let seq = 0;
export function record(payload: unknown, arrivalMs = Date.UTC(2026, 10, 1)): StreamRecord {
  seq++;
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return { sequenceNumber: String(seq).padStart(20, '0'), partitionKey: 'pk', data, arrivalMs };
}

export function track(messageId: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { type: 'track', messageId, event: 'Product Viewed', timestamp: '2026-11-01T10:00:00.000Z', ...fields };
}

export function identify(messageId: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { type: 'identify', messageId, timestamp: '2026-11-01T10:00:00.000Z', ...fields };
}
