/**
 * Kinesis Producer Library (KPL) record aggregation, read and written.
 *
 * An aggregated record is `magic (4 bytes) | protobuf AggregatedRecord | MD5 of
 * the protobuf (16 bytes)`, as specified by awslabs/kinesis-aggregation. Lambda
 * hands aggregated records to consumers as they are, so the consumer unpacks
 * them; protobufjs does the wire decoding.
 */
import { createHash } from 'node:crypto';
import protobuf from 'protobufjs/minimal.js';

export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const DIGEST_BYTES = 16;

export interface KplSubRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Buffer;
}

export type KplResult =
  | { aggregated: false }
  | { aggregated: true; records: KplSubRecord[] }
  | { aggregated: true; error: string };

/** True when the payload starts with the KPL magic number. */
export function isKplAggregated(payload: Buffer): boolean {
  return payload.length >= KPL_MAGIC.length && payload.subarray(0, KPL_MAGIC.length).equals(KPL_MAGIC);
}

/**
 * Unpacks a KPL-aggregated payload. A payload without the magic number is
 * reported as not aggregated (a plain record); a payload with it but a wrong
 * checksum or broken protobuf is an error, so the caller can quarantine it.
 */
export function deaggregate(payload: Buffer): KplResult {
  if (!isKplAggregated(payload)) return { aggregated: false };
  if (payload.length < KPL_MAGIC.length + DIGEST_BYTES) {
    return { aggregated: true, error: 'KPL record is shorter than its header and checksum' };
  }
  const body = payload.subarray(KPL_MAGIC.length, payload.length - DIGEST_BYTES);
  const digest = payload.subarray(payload.length - DIGEST_BYTES);
  if (!createHash('md5').update(body).digest().equals(digest)) {
    return { aggregated: true, error: 'KPL record checksum (MD5) does not match its contents' };
  }
  try {
    return { aggregated: true, records: decodeAggregatedRecord(body) };
  } catch (err) {
    return { aggregated: true, error: `KPL record is not a valid AggregatedRecord: ${(err as Error).message}` };
  }
}

function decodeAggregatedRecord(body: Uint8Array): KplSubRecord[] {
  const reader = protobuf.Reader.create(body);
  const partitionKeys: string[] = [];
  const hashKeys: string[] = [];
  const raw: Array<{ pk: number; ehk?: number; data: Uint8Array }> = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1:
        partitionKeys.push(reader.string());
        break;
      case 2:
        hashKeys.push(reader.string());
        break;
      case 3:
        raw.push(decodeRecord(reader, reader.uint32()));
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  return raw.map((r, i) => {
    const partitionKey = partitionKeys[r.pk];
    if (partitionKey === undefined) throw new Error(`sub-record ${i} names partition key ${r.pk}, which the table lacks`);
    const explicitHashKey = r.ehk === undefined ? undefined : hashKeys[r.ehk];
    return { partitionKey, ...(explicitHashKey === undefined ? {} : { explicitHashKey }), data: Buffer.from(r.data) };
  });
}

function decodeRecord(reader: protobuf.Reader, length: number): { pk: number; ehk?: number; data: Uint8Array } {
  const end = reader.pos + length;
  let pk: number | undefined;
  let ehk: number | undefined;
  let data: Uint8Array | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1:
        pk = Number(reader.uint64());
        break;
      case 2:
        ehk = Number(reader.uint64());
        break;
      case 3:
        data = reader.bytes();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  if (pk === undefined || data === undefined) throw new Error('sub-record lacks its partition key index or data');
  return { pk, ...(ehk === undefined ? {} : { ehk }), data };
}

/** Packs records the way the KPL does (used by producers, the demo and tests). */
export function aggregate(records: ReadonlyArray<{ partitionKey: string; data: Uint8Array }>): Buffer {
  const keys = [...new Set(records.map((r) => r.partitionKey))];
  const index = new Map(keys.map((k, i) => [k, i]));
  const writer = protobuf.Writer.create();
  for (const key of keys) writer.uint32((1 << 3) | 2).string(key);
  for (const record of records) {
    writer.uint32((3 << 3) | 2).fork();
    writer.uint32((1 << 3) | 0).uint64(index.get(record.partitionKey) ?? 0);
    writer.uint32((3 << 3) | 2).bytes(record.data);
    writer.ldelim();
  }
  const body = Buffer.from(writer.finish());
  return Buffer.concat([KPL_MAGIC, body, createHash('md5').update(body).digest()]);
}
