import { describe, expect, it } from 'vitest';
import { readEventLines, sendSummary } from '../../lambda/local/send';

describe('c360 send: reading an events file', () => {
  const file = [
    JSON.stringify({ userId: 'u1', type: 'track', event: 'Product Viewed' }),
    'not json',
    '',
    '[1, 2]',
    '  ',
    '"a string"',
    JSON.stringify({ anonymousId: 'a2', type: 'page' }) + '\r',
    '',
  ].join('\n');

  it('keeps the lines holding a JSON object, and lists the others by line with the reason instead of sending them', () => {
    const lines = readEventLines(file);
    expect(lines.payloads.map((p) => [p.partitionKey, JSON.parse(p.data.toString()) as unknown])).toEqual([
      ['u1', { userId: 'u1', type: 'track', event: 'Product Viewed' }],
      ['a2', { anonymousId: 'a2', type: 'page' }],
    ]);
    expect(lines.unreadable.map((u) => [u.line, u.reason.replace(/ \(.*$/, '')])).toEqual([
      [2, 'not JSON'],
      [4, 'not a JSON object'],
      [6, 'not a JSON object'],
    ]);
    expect(lines.unreadable[1]?.reason).toBe('not a JSON object (an array)');
    expect(lines.blank).toBe(2);
  });

  it('prints how many were sent and how many could not be read, with the first reasons', () => {
    const lines = readEventLines(file);
    const text = sendSummary('events.jsonl', 'c360-events', lines, { calls: 1, retried: 0 });
    expect(text.split('\n')).toEqual([
      'sent 2 events from events.jsonl to c360-events in 1 PutRecords calls (0 entries retried)',
      '3 lines could not be read and were not sent:',
      expect.stringMatching(/^ {2}line 2: not JSON \(/),
      '  line 4: not a JSON object (an array)',
      '  line 6: not a JSON object (a string)',
      '2 blank lines skipped',
    ]);
    // Only the first few reasons are shown.
    const many = readEventLines(Array.from({ length: 9 }, () => 'x').join('\n'));
    const short = sendSummary('bad.jsonl', 's', many, undefined, 5).split('\n');
    expect(short[0]).toBe('sent 0 events from bad.jsonl to s');
    expect(short).toHaveLength(1 + 1 + 5 + 1);
    expect(short.at(-1)).toBe('  ... and 4 more');
  });
});
