/**
 * Contact suppressions in the activation table (contracts/table.ts): one item
 * per suppressed address, key `CONTACT#<channel>#<sha256 of the normalised
 * address>` / `SUP`, holding the channel, the reason and the time. The
 * address in clear is never stored: a send looks its address up by the same
 * hash, and the erasure finds a person's contacts by hashing their
 * identifiers the same way (contactAddressHash).
 *
 * Normalisation, so every path agrees on one hash per address: an email is
 * trimmed and lower-cased, a phone number put in E.164 (national numbers read
 * in the configured default region), a device token kept as it is.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../../config/activation';
import { ACTIVATION_PK, ACTIVATION_SK, CONTACT_SK, contactAddressHash, contactPk } from '../contracts/table';
import type { ContactSuppressions } from '../ports';

/** What a contact item holds besides its key. */
export interface ContactSuppressionItem {
  readonly channel: Channel;
  readonly reason: string;
  /** ISO-8601 of when it was first suppressed. */
  readonly at: string;
}

/** Reasons are short provider codes (`bounce:General`, `complaint`, `sms-stop`): capped so no item can grow. */
const MAX_REASON = 200;

export class DynamoContactSuppressions implements ContactSuppressions {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly defaultPhoneRegion: string,
  ) {}

  private key(channel: Channel, address: string) {
    return { [ACTIVATION_PK]: contactPk(channel, contactAddressHash(channel, address, this.defaultPhoneRegion)), [ACTIVATION_SK]: CONTACT_SK };
  }

  async reason(channel: Channel, address: string): Promise<string | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: this.key(channel, address), ConsistentRead: true }));
    const reason = out.Item?.reason;
    return typeof reason === 'string' ? reason : out.Item === undefined ? undefined : 'suppressed';
  }

  /**
   * Idempotent: an address already suppressed keeps its first reason and time
   * (a bounce reported twice, or a complaint after a bounce, changes nothing).
   */
  async add(channel: Channel, address: string, reason: string, atMs: number): Promise<void> {
    const item: ContactSuppressionItem = { channel, reason: reason.slice(0, MAX_REASON), at: new Date(atMs).toISOString() };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.key(channel, address), ...item },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ACTIVATION_PK },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException) && (err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  async remove(channel: Channel, address: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: this.key(channel, address) }));
  }
}
