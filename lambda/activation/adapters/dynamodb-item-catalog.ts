/**
 * The ItemCatalog on the activation table: `ITEM#<itemId>` / `ITEM`, the
 * configured attributes as a map. Items hold no personal data. A later
 * import of the same item replaces it.
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { retryBatch } from '../../shared/retry';
import { ACTIVATION_PK, ACTIVATION_SK, ITEM_SK, itemPk } from '../contracts/table';
import type { CatalogItem } from '../contracts/recommendations';
import type { ItemCatalog } from '../ports';

const BATCH_WRITE_MAX = 25;
/** BatchGetItem reads at most 100 keys per call. */
const BATCH_GET_MAX = 100;

type Key = Record<string, string>;
type WriteRequest = { PutRequest: { Item: Record<string, unknown> } };

export class DynamoItemCatalog implements ItemCatalog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retries = 5,
    private readonly baseDelayMs?: number,
  ) {}

  async put(items: readonly CatalogItem[]): Promise<void> {
    const byId = new Map<string, WriteRequest>();
    for (const item of items) {
      byId.set(item.itemId, {
        PutRequest: { Item: { [ACTIVATION_PK]: itemPk(item.itemId), [ACTIVATION_SK]: ITEM_SK, itemId: item.itemId, attributes: item.attributes, updatedAt: item.updatedAt } },
      });
    }
    const requests = [...byId.values()];
    for (let start = 0; start < requests.length; start += BATCH_WRITE_MAX) {
      const { unsent } = await retryBatch(
        requests.slice(start, start + BATCH_WRITE_MAX),
        async (pending) => {
          const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
          return (out.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
        },
        { maxAttempts: this.retries + 1, ...(this.baseDelayMs === undefined ? {} : { baseDelayMs: this.baseDelayMs }) },
      );
      if (unsent.length > 0) throw new Error(`DynamoDB left ${unsent.length} catalog item writes unprocessed`);
    }
  }

  async get(itemIds: readonly string[]): Promise<Map<string, CatalogItem>> {
    const found = new Map<string, CatalogItem>();
    const ids = [...new Set(itemIds)];
    for (let start = 0; start < ids.length; start += BATCH_GET_MAX) {
      const keys: Key[] = ids.slice(start, start + BATCH_GET_MAX).map((id) => ({ [ACTIVATION_PK]: itemPk(id), [ACTIVATION_SK]: ITEM_SK }));
      const { unsent } = await retryBatch(
        keys,
        async (pending) => {
          const out = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }));
          for (const item of out.Responses?.[this.tableName] ?? []) {
            const itemId = String(item.itemId);
            found.set(itemId, { itemId, attributes: (item.attributes ?? {}) as Record<string, string | number>, updatedAt: String(item.updatedAt) });
          }
          return (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
        },
        { maxAttempts: this.retries + 1, ...(this.baseDelayMs === undefined ? {} : { baseDelayMs: this.baseDelayMs }) },
      );
      if (unsent.length > 0) throw new Error(`DynamoDB left ${unsent.length} catalog item reads unprocessed`);
    }
    return found;
  }
}
