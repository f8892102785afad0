/**
 * CustomerViewReader on the unification pillar's table (read-only): a
 * profile item's document decoded and evaluated at the moment asked for
 * (unification/contracts/customer-view.ts customerView), and the identifier
 * index read for the owner of an identifier. A merged-away profile only
 * redirects (`mergedInto`): both reads follow the pointers to the survivor,
 * at most MAX_MERGE_HOPS of them (merges repoint absorbed profiles straight
 * at the survivor, so a chain is short; a longer one is a damaged table,
 * reported rather than followed for ever).
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { C360Config } from '../../config';
import { normalizeIdentifier } from '../../shared/normalize';
import { customerView, type CustomerView } from '../../unification/contracts/customer-view';
import { identifierItemKey, IDENTIFIER_OWNER_ATTRIBUTE } from '../../unification/contracts/identifier-keys';
import { decodeProfile, PROFILE_DOC_ATTRIBUTE } from '../../unification/contracts/profile-document';
import { PK, PROFILE_SK, profilePk, SK } from '../../unification/contracts/table';
import type { CustomerViewReader } from '../ports';

/** Merge pointers followed before a read gives up. */
export const MAX_MERGE_HOPS = 8;

export class DynamoCustomerViewReader implements CustomerViewReader {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly profileTableName: string,
    private readonly config: C360Config,
  ) {}

  async get(profileId: string, nowMs: number): Promise<CustomerView | undefined> {
    let id = profileId;
    for (let hop = 0; hop <= MAX_MERGE_HOPS; hop++) {
      const item = await this.profileItem(id);
      if (item === undefined) return undefined;
      if (typeof item.mergedInto === 'string') {
        id = item.mergedInto;
        continue;
      }
      const profile = decodeProfile(item[PROFILE_DOC_ATTRIBUTE]);
      // The item's attribute and its document agree; a document marked merged still only redirects.
      if (profile.mergedInto !== undefined) {
        id = profile.mergedInto;
        continue;
      }
      return customerView(profile, this.config, nowMs);
    }
    throw new Error(`profile ${profileId}: more than ${MAX_MERGE_HOPS} merge pointers to follow`);
  }

  async ownerOf(type: string, value: string): Promise<string | undefined> {
    const normalised = normalizeIdentifier(type, value, this.config.normalization.defaultPhoneRegion);
    if (normalised === undefined) return undefined;
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.profileTableName, Key: identifierItemKey(type, normalised), ProjectionExpression: IDENTIFIER_OWNER_ATTRIBUTE }),
    );
    const owner = Item?.[IDENTIFIER_OWNER_ATTRIBUTE];
    if (typeof owner !== 'string') return undefined;
    // The index may still name an absorbed profile until its repoint: answer with the survivor.
    let id = owner;
    for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
      const item = await this.profileItem(id, 'mergedInto');
      if (item === undefined || typeof item.mergedInto !== 'string') return id;
      id = item.mergedInto;
    }
    throw new Error(`the owner of a ${type} identifier: more than ${MAX_MERGE_HOPS} merge pointers to follow`);
  }

  private async profileItem(profileId: string, projection?: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.profileTableName,
        Key: { [PK]: profilePk(profileId), [SK]: PROFILE_SK },
        ...(projection === undefined ? {} : { ProjectionExpression: projection }),
      }),
    );
    return Item;
  }
}
