/**
 * AudienceExportRuns on the activation table: one STATE item per export
 * (`pk = STATE`, `sk = audience-export#<name>`, no personal data) holding
 * when its last run started. A change-triggered run claims it with a
 * conditional update, so of a burst of concurrent segment events one
 * exports and the others see the claim.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ACTIVATION_PK, ACTIVATION_SK, STATE_PK } from '../contracts/table';
import type { AudienceExportRuns } from '../core/audience/runs';

/** The sort key of an export's state item. */
export const audienceRunSk = (exportName: string) => `audience-export#${exportName}`;

const isConditionFailed = (err: unknown) => err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';

export class DynamoAudienceExportRuns implements AudienceExportRuns {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(exportName: string) {
    return { [ACTIVATION_PK]: STATE_PK, [ACTIVATION_SK]: audienceRunSk(exportName) };
  }

  async claim(exportName: string, nowMs: number, windowMs: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(exportName),
          UpdateExpression: 'SET lastRunMs = :now, lastRunAt = :at',
          ConditionExpression: 'attribute_not_exists(lastRunMs) OR lastRunMs <= :cutoff',
          ExpressionAttributeValues: { ':now': nowMs, ':at': new Date(nowMs).toISOString(), ':cutoff': nowMs - windowMs },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async record(exportName: string, nowMs: number): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(exportName),
        UpdateExpression: 'SET lastRunMs = :now, lastRunAt = :at',
        ExpressionAttributeValues: { ':now': nowMs, ':at': new Date(nowMs).toISOString() },
      }),
    );
  }

  async release(exportName: string, claimedMs: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(exportName),
          UpdateExpression: 'REMOVE lastRunMs, lastRunAt',
          ConditionExpression: 'lastRunMs = :claimed',
          ExpressionAttributeValues: { ':claimed': claimedMs },
        }),
      );
    } catch (err) {
      // A later run replaced the claim: it stands.
      if (!isConditionFailed(err)) throw err;
    }
  }
}
