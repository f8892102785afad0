/**
 * Reads every live profile of the profile table with a (parallel) Scan: one
 * call per segment, so that several segments can be read at once by several
 * workers. Only profile items (`sk = 'P'`) that were not merged away
 * (no `mergedInto`) are returned; identifier items and redirects are filtered
 * out by DynamoDB (they still count towards the scanned capacity).
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PROFILE_SK, SK } from '../contracts/table';
import type { Profile } from '../core/profile/profile';
import type { ProfileScan, ScanSegment } from '../ports';
import { decodeProfile } from '../contracts/profile-document';

const MAX_SEGMENTS = 1_000_000;

export async function* scanProfiles(doc: DynamoDBDocumentClient, tableName: string, options: ScanSegment): AsyncIterable<Profile> {
  const { segment, totalSegments, pageSize } = options;
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > MAX_SEGMENTS) {
    throw new Error(`scanProfiles: totalSegments must be an integer from 1 to ${MAX_SEGMENTS}, got ${totalSegments}`);
  }
  if (!Number.isInteger(segment) || segment < 0 || segment >= totalSegments) {
    throw new Error(`scanProfiles: segment must be an integer from 0 to ${totalSegments - 1}, got ${segment}`);
  }
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1)) {
    throw new Error(`scanProfiles: pageSize must be a positive integer, got ${pageSize}`);
  }
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: tableName,
        Segment: segment,
        TotalSegments: totalSegments,
        FilterExpression: '#sk = :profile AND attribute_not_exists(#mergedInto)',
        ProjectionExpression: '#doc',
        ExpressionAttributeNames: { '#sk': SK, '#mergedInto': 'mergedInto', '#doc': 'doc' },
        ExpressionAttributeValues: { ':profile': PROFILE_SK },
        ...(pageSize === undefined ? {} : { Limit: pageSize }),
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    for (const item of page.Items ?? []) {
      const profile = decodeProfile(item.doc);
      // The item attribute and the document agree; the document is what the rest of c360 trusts.
      if (profile.mergedInto === undefined) yield profile;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

/** The profile scan port over the profile table. */
export class DynamoProfileScan implements ProfileScan {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  scan(options: ScanSegment): AsyncIterable<Profile> {
    return scanProfiles(this.doc, this.tableName, options);
  }
}
