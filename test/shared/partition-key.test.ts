import { describe, expect, it } from 'vitest';
import { partitionKeyOf } from '../../lambda/shared/partition-key';

describe('partition key', () => {
  it('partitions by anonymousId, else userId', () => {
    expect(partitionKeyOf({ anonymousId: 'a', userId: 'u' })).toBe('a');
    expect(partitionKeyOf({ userId: 'u' })).toBe('u');
  });

  it('hashes a key longer than Kinesis takes, so one visitor still has one key', () => {
    const key = partitionKeyOf({ userId: 'x'.repeat(300) });
    expect(key).toHaveLength(64);
    expect(partitionKeyOf({ userId: 'x'.repeat(300), messageId: 'other' })).toBe(key);
    expect(partitionKeyOf({ userId: 'x'.repeat(256) })).toBe('x'.repeat(256));
  });

  it('reads ids as identifiers are read everywhere: trimmed, a blank one counting as none, numbers as text', () => {
    expect(partitionKeyOf({ anonymousId: ' a ', userId: 'u' })).toBe('a');
    expect(partitionKeyOf({ anonymousId: '  ', userId: 'u' })).toBe('u');
    expect(partitionKeyOf({ anonymousId: null, userId: 42 })).toBe('42');
  });

  it('falls back to the messageId, then to a fixed key, never to an empty one', () => {
    expect(partitionKeyOf({ messageId: 'm-1' })).toBe('m-1');
    expect(partitionKeyOf({ messageId: '' })).toBe('c360');
    expect(partitionKeyOf({})).toBe('c360');
  });
});
