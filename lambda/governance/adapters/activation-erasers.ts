/**
 * The activation pillar's stores, as erasers:
 *
 *   activation        the activation table (lambda/activation/contracts/table.ts), through the SDK
 *                     (deployed DynamoDB, locally dynalite):
 *                       MSG#<profileId>   every message of each of their profiles (Query, BatchWrite deletes)
 *                       INT#<profileId>   every interaction of each of their profiles
 *                       DUE               their deferred sends (the sort key names the profile)
 *                       CONTACT#<channel>#<sha256 of the address>   the suppressions of their
 *                                         emails, phone numbers and device tokens (DeleteItem)
 *                     locally also the outbox folder (one JSON line per message, naming the profile)
 *   audience-exports  the customer-list CSVs under `audiences/` (deployed the exports bucket,
 *                     non-current versions removed; locally `.c360/exports/`): rows holding a
 *                     digest of one of their emails or phones, as each platform hashes it, are
 *                     removed; manifests (counts only) are kept
 *
 * `personalize` is personalize-eraser.ts.
 */
import { join } from 'node:path';
import { BatchWriteCommand, DeleteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { AUDIENCES_PREFIX } from '../../activation/contracts/audiences';
import {
  ACTIVATION_PK,
  ACTIVATION_SK,
  CONTACT_SK,
  contactAddressHash,
  contactPk,
  DUE_PK,
  interactionPk,
  messagePk,
} from '../../activation/contracts/table';
import { AUDIENCE_DESTINATIONS, hashForDestination } from '../contracts/audience-hashing';
import type { ErasureStore, ErasureSubject, StoreReport } from '../contracts/erasure';
import type { StoreEraser } from '../ports';
import { LocalFileEraser } from './local-file-eraser';
import { S3FileEraser, type S3FileEraserOptions } from './s3-file-eraser';

/** BatchWriteItem takes 25 requests at most. */
const BATCH = 25;
const MAX_UNPROCESSED_ROUNDS = 8;

/** Whether a personal value looks like a phone number (seven digits or more). */
const phoneLike = (v: string) => (v.match(/\d/g)?.length ?? 0) >= 7;

export interface ContactAddressOptions {
  /** The identifier type holding device tokens (activation.messaging.push.tokenIdentifier). */
  readonly pushTokenIdentifier: string;
  /** Region of phone numbers written without a country code (normalization.defaultPhoneRegion). */
  readonly defaultPhoneRegion: string;
}

/**
 * The contact-suppression keys of the person's addresses: `CONTACT#email#…` of
 * each email (identifiers and emails as sent), `CONTACT#sms#…` of each phone
 * in E.164, `CONTACT#push#…` of each device token.
 */
export function contactKeys(subject: Pick<ErasureSubject, 'identifiers' | 'values'>, opts: ContactAddressOptions): string[] {
  const keys = new Set<string>();
  // Hashed as the contact suppressions hash them (contracts/table.ts contactAddressHash).
  const add = (channel: 'email' | 'sms' | 'push', v: string) => keys.add(contactPk(channel, contactAddressHash(channel, v, opts.defaultPhoneRegion)));
  for (const id of subject.identifiers) {
    if (id.type === opts.pushTokenIdentifier) add('push', id.value);
    else if (id.value.includes('@')) add('email', id.value);
    else if (id.type === 'phone' || (id.value.trim().startsWith('+') && phoneLike(id.value))) add('sms', id.value);
  }
  for (const v of subject.values) {
    if (v.includes('@')) add('email', v);
    else if (phoneLike(v)) add('sms', v);
  }
  return [...keys].sort();
}

type Key = Record<string, string>;

export interface ActivationTableEraserOptions extends ContactAddressOptions {
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class ActivationTableEraser implements StoreEraser {
  readonly store = 'activation';

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly opts: ActivationTableEraserOptions,
  ) {}

  async erase(subject: ErasureSubject): Promise<StoreReport> {
    const clock = this.opts.clock ?? Date.now;
    let messages = 0;
    let interactions = 0;
    for (const id of subject.profileIds) {
      const m = await this.partitionKeys(messagePk(id));
      await this.deleteAll(m);
      messages += m.length;
      const i = await this.partitionKeys(interactionPk(id));
      await this.deleteAll(i);
      interactions += i.length;
    }
    const due = (await this.partitionKeys(DUE_PK)).filter((k) => dueProfile(k[ACTIVATION_SK] ?? '', subject.profileIds));
    await this.deleteAll(due);
    let contacts = 0;
    for (const pk of contactKeys(subject, this.opts)) if (await this.deleteOne({ [ACTIVATION_PK]: pk, [ACTIVATION_SK]: CONTACT_SK })) contacts++;
    const items = messages + interactions + due.length + contacts;
    return {
      store: this.store,
      method: 'DeleteItem',
      status: items > 0 ? 'erased' : 'nothing-found',
      itemsAffected: items,
      completedAt: new Date(clock()).toISOString(),
      message: `messages ${messages}, interactions ${interactions}, deferred sends ${due.length}, contact suppressions ${contacts}`,
    };
  }

  private async partitionKeys(pk: string): Promise<Key[]> {
    const keys: Key[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': ACTIVATION_PK, '#sk': ACTIVATION_SK },
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: '#pk, #sk',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) keys.push({ [ACTIVATION_PK]: String(item[ACTIVATION_PK]), [ACTIVATION_SK]: String(item[ACTIVATION_SK]) });
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return keys;
  }

  private async deleteAll(keys: readonly Key[]): Promise<void> {
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (let i = 0; i < keys.length; i += BATCH) {
      let requests = keys.slice(i, i + BATCH).map((Key) => ({ DeleteRequest: { Key } }));
      for (let round = 0; requests.length > 0; round++) {
        if (round >= MAX_UNPROCESSED_ROUNDS) throw new Error(`DynamoDB left ${requests.length} deletes unprocessed after ${round} attempts`);
        if (round > 0) await sleep(50 * 2 ** round);
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
  }

  /** Deletes one item; true when it existed. */
  private async deleteOne(key: Key): Promise<boolean> {
    const out = await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }
}

/** Whether a DUE sort key (`<dueAt ISO>#<profileId>#<campaign>#<occurrence>`) is one of `profileIds`'. */
export function dueProfile(sk: string, profileIds: readonly string[]): boolean {
  const rest = sk.slice(sk.indexOf('#') + 1);
  return sk.includes('#') && profileIds.some((id) => rest.startsWith(`${id}#`));
}

/**
 * One store made of several parts (locally the activation table and the
 * outbox folder): one report, counts added, failed when a part failed.
 */
export function combinedEraser(store: ErasureStore, parts: readonly StoreEraser[], clock: () => number = Date.now): StoreEraser {
  return {
    store,
    async erase(subject) {
      const reports: StoreReport[] = [];
      for (const p of parts) reports.push(await p.erase(subject));
      const objects = reports.reduce((n, r) => n + (r.objectsAffected ?? 0), 0);
      const status: StoreReport['status'] = reports.some((r) => r.status === 'failed')
        ? 'failed'
        : reports.some((r) => r.status === 'erased')
          ? 'erased'
          : reports.some((r) => r.status === 'scheduled')
            ? 'scheduled'
            : 'nothing-found';
      return {
        store,
        method: [...new Set(reports.map((r) => r.method))].join(' + '),
        status,
        itemsAffected: reports.reduce((n, r) => n + r.itemsAffected, 0),
        ...(reports.some((r) => r.objectsAffected !== undefined) ? { objectsAffected: objects } : {}),
        completedAt: new Date(clock()).toISOString(),
        message: reports.map((r) => `${r.method}: ${r.message ?? r.status}`).join('; '),
      };
    },
  };
}

// ---- audience exports ------------------------------------------------------------------

/**
 * The digests an audience export may hold of the person: each of their
 * emails and phone numbers (identifiers, and the values as sent) hashed as
 * every platform hashes it (audience-hashing.ts).
 */
export function audienceExportHashes(subject: Pick<ErasureSubject, 'identifiers' | 'values'>, defaultPhoneRegion: string): string[] {
  const out = new Set<string>();
  const candidates = [...subject.identifiers.map((i) => i.value), ...subject.values];
  for (const value of candidates) {
    for (const destination of AUDIENCE_DESTINATIONS) {
      if (value.includes('@')) {
        const h = hashForDestination(destination, 'email', value, defaultPhoneRegion);
        if (h !== undefined) out.add(h);
      } else if (phoneLike(value)) {
        const h = hashForDestination(destination, 'phone', value, defaultPhoneRegion);
        if (h !== undefined) out.add(h);
      }
    }
  }
  return [...out].sort();
}

/**
 * The person as the file erasers should look for them in the exports: by
 * their digests alone (a cell is a whole token, so a digest matches only its
 * own cell), never by a name or a profile id, which the exports do not hold.
 */
export function digestSubject(subject: ErasureSubject, defaultPhoneRegion: string): ErasureSubject {
  return {
    requestId: subject.requestId,
    profileIds: [],
    identifiers: audienceExportHashes(subject, defaultPhoneRegion).map((value) => ({ type: 'sha256', value })),
    values: [],
    hashes: subject.hashes,
  };
}

/** The audience-exports store over a file eraser of its folder or prefix: the CSVs filtered by the person's digests. */
export class AudienceExportsEraser implements StoreEraser {
  readonly store = 'audience-exports';

  constructor(
    private readonly files: Pick<StoreEraser, 'erase'>,
    private readonly defaultPhoneRegion: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async erase(subject: ErasureSubject): Promise<StoreReport> {
    const digests = digestSubject(subject, this.defaultPhoneRegion);
    if (digests.identifiers.length === 0) {
      return {
        store: this.store,
        method: 'rewrite objects',
        status: 'nothing-found',
        itemsAffected: 0,
        objectsAffected: 0,
        completedAt: new Date(this.clock()).toISOString(),
        message: 'no email or phone number known for them: audience exports hold no other field to match on',
      };
    }
    return { ...(await this.files.erase(digests)), store: this.store };
  }
}

/** Deployed: the exports bucket's `audiences/` prefix, every version of a rewritten key replaced. */
export const s3AudienceExportsEraser = (s3: S3Client, exportsBucket: string, defaultPhoneRegion: string, opts: S3FileEraserOptions = {}) =>
  new AudienceExportsEraser(new S3FileEraser(s3, 'audience-exports', [{ bucket: exportsBucket, prefix: AUDIENCES_PREFIX }], opts), defaultPhoneRegion, opts.clock);

/** Locally: `audiences/` under the exports folder (`.c360/exports/`). */
export const localAudienceExportsEraser = (exportsDir: string, defaultPhoneRegion: string, clock: () => number = Date.now) =>
  new AudienceExportsEraser(
    // The folder is resolved when the erasure runs: nothing is read or created at the runtime's start.
    { erase: (subject) => new LocalFileEraser('audience-exports', { dirs: [join(exportsDir, AUDIENCES_PREFIX)], clock }).erase(subject) },
    defaultPhoneRegion,
    clock,
  );

/** Locally: the outbox folder, whose JSON lines name the profile (and may quote the address). */
export const localOutboxEraser = (outboxDir: string, clock: () => number = Date.now) => new LocalFileEraser('activation', { dirs: [outboxDir], clock });
