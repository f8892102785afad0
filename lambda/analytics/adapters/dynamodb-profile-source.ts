/**
 * ProfileSource on the unification pillar's customer-view table: a (parallel)
 * Scan of the live profile items (`sk = 'P'` without `mergedInto`), each
 * document decoded through the profile-document contract. An item whose
 * document does not decode is returned as unreadable with its key, so the
 * export counts and reports it instead of stopping or dropping it silently.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decodeProfile, PROFILE_DOC_ATTRIBUTE } from '../../unification/contracts/profile-document';
import { PK, PROFILE_SK, SK } from '../../unification/contracts/table';
import type { ProfileSource, ScanSegment, SourcedProfile } from '../ports';

/** DynamoDB's limit on TotalSegments. */
const MAX_SEGMENTS = 1_000_000;

export class DynamoProfileSource implements ProfileSource {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async *scan(options: ScanSegment): AsyncIterable<SourcedProfile> {
    const { segment, totalSegments, pageSize } = options;
    if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > MAX_SEGMENTS) {
      throw new Error(`DynamoProfileSource: totalSegments must be an integer from 1 to ${MAX_SEGMENTS}, got ${totalSegments}`);
    }
    if (!Number.isInteger(segment) || segment < 0 || segment >= totalSegments) {
      throw new Error(`DynamoProfileSource: segment must be an integer from 0 to ${totalSegments - 1}, got ${segment}`);
    }
    if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1)) {
      throw new Error(`DynamoProfileSource: pageSize must be a positive integer, got ${pageSize}`);
    }
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          Segment: segment,
          TotalSegments: totalSegments,
          FilterExpression: '#sk = :profile AND attribute_not_exists(#mergedInto)',
          ProjectionExpression: '#pk, #doc',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#mergedInto': 'mergedInto', '#doc': PROFILE_DOC_ATTRIBUTE },
          ExpressionAttributeValues: { ':profile': PROFILE_SK },
          ...(pageSize === undefined ? {} : { Limit: pageSize }),
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        const key = String(item[PK]);
        let profile;
        try {
          profile = decodeProfile(item[PROFILE_DOC_ATTRIBUTE]);
        } catch (err) {
          yield { kind: 'unreadable', key, reason: (err as Error).message };
          continue;
        }
        // The item attribute and the document agree; the document is what the rest of c360 trusts.
        if (profile.mergedInto === undefined) yield { kind: 'profile', profile };
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
}
