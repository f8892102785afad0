import { describe, expect, it } from 'vitest';
import { CsvRecordLines, JsonLineSplitter, rowFingerprint, rowOf } from '../../../lambda/collection/core/file-rows';

describe('file rows', () => {
  it('numbers CSV records by the line they start on, across blank lines and multi-line fields', () => {
    const lines = new CsvRecordLines();
    expect(lines.next(['id ', ' email'], 'id , email\r\n')).toEqual({ header: ['id', 'email'] });
    expect(lines.next(['1', 'a\r\nb'], '1,"a\r\nb"\r\n')).toEqual({ line: 2, fields: ['1', 'a\r\nb'] });
    // Two blank lines skipped before the record (csv-parse keeps them in its raw text).
    expect(lines.next(['2', 'c'], '\r\n\n2,c\n')).toEqual({ line: 6, fields: ['2', 'c'] });
  });

  it('splits JSON Lines across chunks, dropping a BOM, CRs and blank lines', () => {
    const split = new JsonLineSplitter(100);
    expect(split.push('\uFEFF{"a":1}\r\n{"b"')).toEqual([{ line: 1, text: '{"a":1}' }]);
    expect(split.push(':2}\n\n   \n{"c":3}')).toEqual([{ line: 2, text: '{"b":2}' }]);
    expect(split.end('')).toEqual([{ line: 5, text: '{"c":3}' }]);
  });

  it('counts the blank JSON lines it skips, whitespace-only ones too', () => {
    const split = new JsonLineSplitter(100);
    split.push('{"a":1}\n\n  \r\n{"b":2}\n');
    split.end('\n');
    expect(split.blankLines).toBe(3);
  });

  it('fingerprints rows by their content only: exact duplicates match, any difference does not', () => {
    expect(rowFingerprint({ line: 2, fields: ['c1', 'a@x.io'] })).toBe(rowFingerprint({ line: 9, fields: ['c1', 'a@x.io'] }));
    expect(rowFingerprint({ line: 2, fields: ['c1', 'a@x.io'] })).not.toBe(rowFingerprint({ line: 2, fields: ['c1', 'a@x.io '] }));
    // Field boundaries count: "a,b" + "c" is not "a" + "b,c".
    expect(rowFingerprint({ line: 2, fields: ['a,b', 'c'] })).not.toBe(rowFingerprint({ line: 2, fields: ['a', 'b,c'] }));
    expect(rowFingerprint({ line: 1, text: '{"a":1}' })).toBe(rowFingerprint({ line: 5, text: '{"a":1}' }));
    expect(rowFingerprint({ line: 1, text: '{"a":1}' })).not.toBe(rowFingerprint({ line: 1, text: '{"a":2}' }));
  });

  it('reports a JSON line longer than the limit without holding it, and goes on with the next', () => {
    const split = new JsonLineSplitter(10);
    expect(split.push('x'.repeat(8))).toEqual([]);
    expect(split.push('x'.repeat(8))).toEqual([]);
    expect(split.push('x\n{"a":1}\n')).toEqual([
      { line: 1, unreadable: 'the line is longer than 10 characters' },
      { line: 2, text: '{"a":1}' },
    ]);
  });

  it('turns a parsed row into what the mapping reads, or says why it cannot', () => {
    expect(rowOf({ line: 2, fields: ['1', 'a@example.com'] }, ['id', 'email'])).toEqual({ ok: true, row: { id: '1', email: 'a@example.com' } });
    expect(rowOf({ line: 2, fields: ['1'] }, ['id', 'email'])).toEqual({ ok: false, reason: 'the row has 1 fields; the header has 2' });
    expect(rowOf({ line: 3, text: '{"id":1}' }, undefined)).toEqual({ ok: true, row: { id: 1 } });
    expect(rowOf({ line: 3, text: '[1]' }, undefined)).toEqual({ ok: false, reason: 'a line must be a JSON object' });
    expect(rowOf({ line: 3, text: '{' }, undefined)).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid JSON: /) });
    expect(rowOf({ line: 4, unreadable: 'too long' }, undefined)).toEqual({ ok: false, reason: 'too long' });
  });
});
