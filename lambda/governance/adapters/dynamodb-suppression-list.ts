/**
 * The deployed suppression list: one DynamoDB item per keyed hash of an
 * erased person's identifier (table from SUPPRESSION_TABLE, partition key
 * `h`), with the request that added it and when. Hashes only: the table
 * cannot tell anyone who was erased, only recognise them when they return.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { retryBatch } from '../../shared/retry';
import type { SuppressionList } from '../ports';

/** The table's partition key. */
export const SUPPRESSION_KEY = 'h';
/** BatchGetItem takes at most 100 keys. */
const GET_BATCH = 100;

export class DynamoSuppressionList implements SuppressionList {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async suppressed(hashes: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const distinct = [...new Set(hashes)];
    for (let i = 0; i < distinct.length; i += GET_BATCH) {
      const keys = distinct.slice(i, i + GET_BATCH).map((h) => ({ [SUPPRESSION_KEY]: h }));
      const { unsent } = await retryBatch(keys, async (pending) => {
        const out = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ProjectionExpression: '#h', ExpressionAttributeNames: { '#h': SUPPRESSION_KEY } } } }),
        );
        for (const item of out.Responses?.[this.table] ?? []) found.add(item[SUPPRESSION_KEY] as string);
        return (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as typeof pending;
      });
      // An answer for only some hashes would let an erased person's events through: fail instead.
      if (unsent.length > 0) throw new Error(`the suppression list did not answer for ${unsent.length} hashes`);
    }
    return found;
  }

  /** Idempotent: a hash already listed keeps the request that first added it. */
  async add(hashes: readonly string[], requestId: string): Promise<void> {
    const at = new Date(this.clock()).toISOString();
    for (const h of new Set(hashes)) {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { [SUPPRESSION_KEY]: h, requestId, at },
            ConditionExpression: 'attribute_not_exists(#h)',
            ExpressionAttributeNames: { '#h': SUPPRESSION_KEY },
          }),
        );
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException) && (err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
    }
  }

  async remove(hashes: readonly string[], _requestId: string): Promise<number> {
    let removed = 0;
    for (const h of new Set(hashes)) {
      const out = await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { [SUPPRESSION_KEY]: h }, ReturnValues: 'ALL_OLD' }));
      if (out.Attributes !== undefined) removed++;
    }
    return removed;
  }
}
