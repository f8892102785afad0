import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoProfileStore } from '../../../lambda/unification/adapters/dynamodb-profile-store';
import { decodeProfile } from '../../../lambda/unification/contracts/profile-document';
import { matchReportWriter, readJobMatchOutput, successFolderOf } from '../../../lambda/unification/adapters/entity-resolution-output';
import { documentClient } from '../../../lambda/shared/clients';
import type { Profile } from '../../../lambda/unification/core/profile/profile';
import { createApplyMatchesHandler } from '../../../lambda/unification/handlers/apply-matches';
import { unifyBatch } from '../../../lambda/unification/usecases/unify-batch';
import { identify, record, settings } from '../../support/events';
import { fakeDynamoTable } from '../../support/fake-dynamo';

const ddb = mockClient(DynamoDBDocumentClient);
const s3mock = mockClient(S3Client);
const FOLDER = 'entity-resolution/output/c360-matching/job-42/success/';

beforeEach(() => {
  ddb.reset();
  s3mock.reset();
});

function handler(store: DynamoProfileStore) {
  const s3 = new S3Client({ region: 'eu-west-1' });
  return createApplyMatchesHandler({
    s3,
    store,
    settings,
    sleep: async () => {},
    readJob: readJobMatchOutput,
    successFolderOf,
    writeReport: matchReportWriter(s3),
  });
}

describe('apply-matches handler', () => {
  it("merges an Entity Resolution job's match groups under the identity rules and reports what it refused", async () => {
    const items = fakeDynamoTable(ddb);
    const store = new DynamoProfileStore(documentClient({ region: 'eu-west-1' }), 'profiles');
    const deps = { store, quarantine: { put: async () => {} }, settings, sleep: async () => {} };
    // Three customers the real-time graph could not link: no identifier in common.
    await unifyBatch(
      [
        record(identify('a', { userId: 'crm-1', traits: { firstName: 'Ana', lastName: 'Silva', email: 'ana@example.com' } })),
        record(identify('b', { anonymousId: 'pos-9', traits: { firstName: 'Ana', lastName: 'Silva', phone: '+14155550132' } })),
        record(identify('c', { userId: 'crm-2', traits: { firstName: 'Bo', lastName: 'Chen' } })),
        record(identify('d', { userId: 'crm-3', traits: { firstName: 'Bo', lastName: 'Chen' } })),
      ],
      'seed',
      'test',
      deps,
    );
    const profiles = () => [...items.values()].filter((i) => i.sk === 'P').map((i) => decodeProfile(i.doc));
    const idOf = (id: string) => profiles().find((p) => p.identifiers.userId?.includes(id) || p.identifiers.anonymousId?.includes(id))?.profileId as string;
    const [ana1, ana2, bo, bo2] = [idOf('crm-1'), idOf('pos-9'), idOf('crm-2'), idOf('crm-3')];

    // The job's results, over two files: one match group spans both.
    const files: Record<string, string> = {
      [`${FOLDER}part-0.csv`]: `profile_id,MatchID,MatchRule\n${ana1},m-1,name-dateOfBirth\n${bo},m-2,\n`,
      [`${FOLDER}part-1.csv`]: `profile_id,MatchID,MatchRule\n${ana2},m-1,name-dateOfBirth\nghost-profile,m-2,\n,m-3,\n${bo2},m-2,\n`,
    };
    s3mock.on(ListObjectsV2Command).resolves({ Contents: Object.keys(files).map((Key) => ({ Key })), IsTruncated: false });
    s3mock.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: Readable.from([Buffer.from(files[input.Key] as string)]) }) as unknown as GetObjectCommandOutput);
    s3mock.on(PutObjectCommand).resolves({});

    const result = await handler(store)({ detail: { bucket: { name: 'lake' }, object: { key: `${FOLDER}part-1.csv` } } });
    expect(result).toMatchObject({ folder: FOLDER, files: 2, groups: 2, merges: 1, unapplied: [] });
    // Two customers with different user ids are never merged (userId limit 1), whatever the matcher says.
    expect(result.rejectedMerges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ matchId: 'm-2', profileId: 'ghost-profile', reason: 'no such profile' }),
        expect.objectContaining({ matchId: 'm-2', reason: expect.stringMatching(/2 userId values, over the limit of 1/) }),
      ]),
    );
    expect(result.rejectedRows).toEqual([expect.objectContaining({ reason: expect.stringMatching(/profile_id/) })]);

    const live = profiles().filter((p) => p.mergedInto === undefined);
    expect(live).toHaveLength(3);
    const ana = live.find((p) => p.identifiers.userId?.includes('crm-1')) as Profile;
    expect(ana.identifiers).toMatchObject({ userId: ['crm-1'], anonymousId: ['pos-9'] });
    expect(ana.merges.at(-1)).toMatchObject({ rule: 'matched', matchId: 'm-1', matchRule: 'name-dateOfBirth' });
    // The merged-away profile redirects, and its identifier now points to the survivor.
    expect(items.get('ID#anonymousId#pos-9|ID')?.profileId).toBe(ana.profileId);

    const report = s3mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(report?.Key).toBe('entity-resolution/output/c360-matching/job-42/c360-report.json');
    expect(report?.ContentType).toBe('application/json');
    expect(JSON.parse(String(report?.Body))).toMatchObject({ merges: 1, rejectedMerges: [{ matchId: 'm-2' }, { matchId: 'm-2' }] });

    // The same job applied again (another file's event) changes nothing.
    const again = await handler(store)({ detail: { bucket: { name: 'lake' }, object: { key: `${FOLDER}part-0.csv` } } });
    expect(again.merges).toBe(0);
  });

  it('ignores objects that are not a job result', async () => {
    const store = new DynamoProfileStore(documentClient({ region: 'eu-west-1' }), 'profiles');
    const out = await handler(store)({ detail: { bucket: { name: 'lake' }, object: { key: 'entity-resolution/output/job-1/error/part-0.csv' } } });
    expect(out).toMatchObject({ groups: 0, merges: 0 });
    expect(s3mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });
});
