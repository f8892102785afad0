/**
 * SegmentMembershipStore on the profile table (pk/sk):
 *   membership  pk = `SEG#<segment>`  sk = `<profileId>`  → profileId, segment, enteredAt
 * One partition per segment, so a segment's members are one Query in
 * profile-id order. `entered` puts the item, `exited` deletes it; both are
 * unconditional, so applying the same changes again gives the same table
 * (a replay refreshes `enteredAt` to the replay's processing time).
 */
import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { retryBatch } from '../../shared/retry';
import { PK, segmentPk, SK } from '../contracts/table';
import type { SegmentChange, SegmentMembershipStore } from '../ports';

/** BatchWriteItem takes at most 25 requests per call. */
const BATCH_WRITE_LIMIT = 25;
/** A page is at most this many members. */
export const MAX_PAGE = 1000;

/** A cursor that is not one `members` returned. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

const encodeCursor = (profileId: string) => Buffer.from(profileId, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError('malformed cursor: not base64url');
  const bytes = Buffer.from(cursor, 'base64url');
  // Canonical only: the encoding of the decoded bytes must give the cursor back.
  if (bytes.length === 0 || bytes.toString('base64url') !== cursor) throw new InvalidCursorError('malformed cursor: not a canonical base64url value');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidCursorError('malformed cursor: not UTF-8');
  }
}

/**
 * The last change per (segment, profileId), in the order of those last
 * changes: a profile that entered and left within one list ends up out.
 */
export function collapseChanges(changes: readonly SegmentChange[]): SegmentChange[] {
  const last = new Map<string, SegmentChange>();
  for (const c of changes) {
    const key = JSON.stringify([c.segment, c.profileId]);
    last.delete(key);
    last.set(key, c);
  }
  return [...last.values()];
}

export interface SegmentStoreOptions {
  /** Retries of unprocessed items before `apply` throws. */
  readonly retries?: number;
  /** Backoff base: a retry waits up to baseDelayMs · 2^attempt (full jitter). */
  readonly baseDelayMs?: number;
}

type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

export class DynamoSegmentStore implements SegmentMembershipStore {
  private readonly retries: number;
  private readonly baseDelayMs: number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    opts: SegmentStoreOptions = {},
  ) {
    this.retries = opts.retries ?? 8;
    this.baseDelayMs = opts.baseDelayMs ?? 25;
  }

  async apply(changes: readonly SegmentChange[]): Promise<void> {
    const requests: WriteRequest[] = collapseChanges(changes).map((c) =>
      c.change === 'entered'
        ? { PutRequest: { Item: { [PK]: segmentPk(c.segment), [SK]: c.profileId, profileId: c.profileId, segment: c.segment, enteredAt: c.at } } }
        : { DeleteRequest: { Key: { [PK]: segmentPk(c.segment), [SK]: c.profileId } } },
    );
    for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
      await this.batchWrite(requests.slice(i, i + BATCH_WRITE_LIMIT));
    }
  }

  async members(segment: string, limit: number, cursor?: string): Promise<{ profileIds: string[]; next?: string }> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE}, got ${limit}`);
    }
    const pk = segmentPk(segment);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: '#sk',
        Limit: limit,
        ...(after === undefined ? {} : { ExclusiveStartKey: { [PK]: pk, [SK]: after } }),
      }),
    );
    const profileIds = (out.Items ?? []).map((item) => String(item[SK]));
    const lastSk = out.LastEvaluatedKey?.[SK];
    return typeof lastSk === 'string' ? { profileIds, next: encodeCursor(lastSk) } : { profileIds };
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    const { unsent } = await retryBatch(
      requests,
      async (pending) => {
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        return (out.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
      },
      { maxAttempts: this.retries + 1, baseDelayMs: this.baseDelayMs },
    );
    if (unsent.length > 0) {
      throw new Error(`DynamoDB left ${unsent.length} segment membership writes unprocessed after ${this.retries} retries`);
    }
  }
}
