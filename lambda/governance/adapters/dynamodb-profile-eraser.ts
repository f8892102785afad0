/**
 * Erases a person from the customer-view table (unification/contracts/table.ts),
 * through the SDK: deployed against DynamoDB, locally against dynalite.
 *
 *   P#<id> / P and J#…   every item of each of their profile partitions (the
 *                        profile, merged-away profiles, the event journal, and
 *                        anything else kept in the partition, such as consent)
 *   ID#<type>#<value>    the identifier index items of each identifier
 *   SEG#<segment> / <id> membership items, for every configured segment and
 *                        every segment a profile lists
 *
 * An unmerge can leave the person's events in the journal of the profile
 * they were split from (the other person's), and their identifiers in that
 * profile's merge and unmerge records: those profiles (named in
 * `separatedFrom` and `unmerges` of the person's profiles) have the person's
 * journal events removed and those identifiers cut from their records; their
 * own data stays.
 *
 * Items are deleted, not tombstoned: a later event of the person finds no
 * profile, and the suppression list drops it before it could make one.
 */
import { BatchWriteCommand, DeleteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Identifier } from '../../shared/events';
import { decodeProfile, PROFILE_DOC_ATTRIBUTE, type Profile } from '../../unification/contracts/profile-document';
import { IDENTIFIER_SK, identifierPk, JOURNAL_SK_PREFIX, PK, PROFILE_SK, profilePk, segmentPk, SK } from '../../unification/contracts/table';
import type { ProfileStore } from '../../unification/ports';
import type { ErasureSubject, StoreReport } from '../contracts/erasure';
import type { StoreEraser } from '../ports';

/** BatchWriteItem takes 25 requests at most. */
const BATCH = 25;
const MAX_UNPROCESSED_ROUNDS = 8;

export interface DynamoProfileEraserOptions {
  /** Segment names of the config (unification.segments). */
  readonly segments: readonly string[];
  /**
   * The profiles the person was split from, read and rewritten through the
   * unification pillar's port (their journal and records); without it they
   * are left as they are and the report says so.
   */
  readonly others?: Pick<ProfileStore, 'readJournal' | 'putJournal' | 'deleteJournal' | 'putProfiles'>;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

type Key = Record<string, string>;

const idKey = (id: Identifier) => `${id.type}#${id.value}`;

export class DynamoProfileEraser implements StoreEraser {
  readonly store = 'profiles';

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly opts: DynamoProfileEraserOptions,
  ) {}

  async erase(subject: ErasureSubject): Promise<StoreReport> {
    const clock = this.opts.clock ?? Date.now;
    const mine = new Set(subject.profileIds);
    // Read the profiles before they are deleted: their segments and the profiles an unmerge split from them.
    const segments = new Set(this.opts.segments);
    const others = new Set<string>();
    let profiles = 0;
    let journal = 0;
    let partitionItems = 0;
    for (const id of subject.profileIds) {
      const keys = await this.partitionKeys(profilePk(id));
      for (const key of keys) {
        if (key[SK] === PROFILE_SK) profiles++;
        else if (key[SK]?.startsWith(JOURNAL_SK_PREFIX)) journal++;
      }
      partitionItems += keys.length;
      const profile = await this.profile(id);
      if (profile !== undefined) {
        for (const s of Object.keys(profile.segments ?? {})) segments.add(s);
        for (const o of profile.separatedFrom ?? []) if (!mine.has(o)) others.add(o);
        for (const u of profile.unmerges ?? []) for (const o of [u.from, u.restored]) if (!mine.has(o)) others.add(o);
      }
      await this.deleteAll(keys);
    }
    let identifiers = 0;
    for (const id of subject.identifiers) if (await this.deleteOne({ [PK]: identifierPk(idKey(id)), [SK]: IDENTIFIER_SK })) identifiers++;
    let memberships = 0;
    for (const segment of segments) {
      for (const id of subject.profileIds) if (await this.deleteOne({ [PK]: segmentPk(segment), [SK]: id })) memberships++;
    }
    const scrubbed = await this.scrubOthers([...others], subject);
    const items = partitionItems + identifiers + memberships + scrubbed.items;
    return {
      store: this.store,
      method: 'DeleteItem',
      status: items > 0 ? 'erased' : 'nothing-found',
      itemsAffected: items,
      completedAt: new Date(clock()).toISOString(),
      message:
        `profiles ${profiles}, journal entries ${journal}, other items of their partitions ${partitionItems - profiles - journal}, ` +
        `identifier index ${identifiers}, segment memberships ${memberships}` +
        (others.size > 0 ? `; ${scrubbed.items} items of ${others.size} profiles split from them rewritten without them` : '') +
        (scrubbed.skipped === undefined ? '' : `; ${scrubbed.skipped} profiles split from them not checked (no profile store given)`) +
        (scrubbed.conflicts === undefined || scrubbed.conflicts === 0 ? '' : `; ${scrubbed.conflicts} profiles split from them changed meanwhile: erase again`),
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
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: '#pk, #sk',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) keys.push({ [PK]: String(item[PK]), [SK]: String(item[SK]) });
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return keys;
  }

  private async profile(id: string): Promise<Profile | undefined> {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk = :sk',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': profilePk(id), ':sk': PROFILE_SK },
      }),
    );
    const item = page.Items?.[0];
    return item === undefined ? undefined : decodeProfile(item[PROFILE_DOC_ATTRIBUTE]);
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

  /** Deletes one item; whether it existed. */
  private async deleteOne(key: Key): Promise<boolean> {
    const out = await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: key, ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }

  /** Other people's profiles an unmerge split from the person: their journal and records without the person. */
  private async scrubOthers(ids: readonly string[], subject: ErasureSubject): Promise<{ items: number; skipped?: number; conflicts?: number }> {
    if (ids.length === 0) return { items: 0 };
    let conflicts = 0;
    const theirs = new Set(subject.identifiers.map(idKey));
    const isTheirs = (id: Identifier | undefined) => id !== undefined && theirs.has(idKey(id));
    const store = this.opts.others;
    if (store === undefined) return { items: 0, skipped: ids.length };
    let items = 0;
    {
      const entries = await store.readJournal(ids);
      const rewrite = [];
      const remove = [];
      for (const entry of entries) {
        const events = entry.events.filter((e) => !e.identifiers.some((id) => isTheirs(id)));
        // A base (the profile's doc before its first merge) may name them in its records too.
        const base = entry.base === undefined ? undefined : scrubRecords(entry.base, isTheirs);
        if (events.length === entry.events.length && base === undefined) continue;
        if (events.length === 0 && entry.base === undefined) remove.push({ profileId: entry.profileId, key: entry.key });
        else rewrite.push({ ...entry, events, ...(base === undefined ? {} : { base }) });
      }
      if (rewrite.length > 0) await store.putJournal(rewrite);
      if (remove.length > 0) await store.deleteJournal(remove);
      items += rewrite.length + remove.length;
    }
    for (const id of ids) {
      const profile = await this.profile(id);
      if (profile === undefined) continue;
      const cleaned = scrubProfile(profile, isTheirs);
      if (cleaned === undefined) continue;
      // Conditional on the version read: a consumer write in between wins, and the report says so.
      const [ok] = await store.putProfiles([{ profile: cleaned, expectedVersion: profile.version }]);
      if (ok === true) items++;
      else conflicts++;
    }
    return { items, conflicts };
  }
}

/** A profile without the person's identifiers in its merge, unmerge and rejected-identifier records, at a new version; undefined when it has none. */
export function scrubProfile(profile: Profile, isTheirs: (id: Identifier | undefined) => boolean): Profile | undefined {
  const cleaned = scrubRecords(profile, isTheirs);
  return cleaned === undefined ? undefined : { ...cleaned, version: profile.version + 1 };
}

/** The records of scrubProfile cut, the version kept (a journal base stands at the version it was taken). */
function scrubRecords(profile: Profile, isTheirs: (id: Identifier | undefined) => boolean): Profile | undefined {
  let changed = false;
  const strip = <M extends { identifier?: Identifier; matchedWith?: Identifier }>(m: M): M => {
    if (!isTheirs(m.identifier) && !isTheirs(m.matchedWith)) return m;
    changed = true;
    const { identifier, matchedWith, ...rest } = m;
    return { ...rest, ...(isTheirs(identifier) ? {} : identifier === undefined ? {} : { identifier }), ...(isTheirs(matchedWith) ? {} : matchedWith === undefined ? {} : { matchedWith }) } as M;
  };
  const merges = profile.merges.map(strip);
  const unmerges = profile.unmerges?.map((u) => ({ ...u, merge: strip(u.merge) }));
  const rejected = profile.rejectedIdentifiers?.filter((r) => !isTheirs(r));
  if (rejected !== undefined && rejected.length !== profile.rejectedIdentifiers?.length) changed = true;
  if (!changed) return undefined;
  return {
    ...profile,
    merges,
    ...(unmerges === undefined ? {} : { unmerges }),
    ...(rejected === undefined ? {} : { rejectedIdentifiers: rejected }),
  };
}
