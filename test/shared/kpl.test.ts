import { describe, expect, it } from 'vitest';
import { aggregate, deaggregate, KPL_MAGIC } from '../../lambda/shared/kpl';

describe('KPL aggregation', () => {
  it('unpacks what it packs, keeping each sub-record with its partition key', () => {
    const packed = aggregate([
      { partitionKey: 'a', data: Buffer.from('{"n":1}') },
      { partitionKey: 'b', data: Buffer.from('{"n":2}') },
      { partitionKey: 'a', data: Buffer.from('{"n":3}') },
    ]);
    expect(packed.subarray(0, 4).equals(KPL_MAGIC)).toBe(true);
    const out = deaggregate(packed);
    expect(out.aggregated && 'records' in out && out.records.map((r) => [r.partitionKey, r.data.toString()])).toEqual([
      ['a', '{"n":1}'],
      ['b', '{"n":2}'],
      ['a', '{"n":3}'],
    ]);
  });

  it('reports a plain record as not aggregated', () => {
    expect(deaggregate(Buffer.from('{"type":"track"}'))).toEqual({ aggregated: false });
  });

  it('reports a corrupted aggregate instead of throwing', () => {
    const packed = aggregate([{ partitionKey: 'a', data: Buffer.from('x') }]);
    const corrupted = Buffer.from(packed);
    corrupted[6] = (corrupted[6] ?? 0) ^ 0xff;
    expect(deaggregate(corrupted)).toEqual({ aggregated: true, error: expect.stringMatching(/checksum/) });
    expect(deaggregate(Buffer.concat([KPL_MAGIC, Buffer.from([1, 2])]))).toEqual({ aggregated: true, error: expect.stringMatching(/shorter/) });
  });
});
