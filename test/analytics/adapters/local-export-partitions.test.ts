import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalPartitions } from '../../../lambda/analytics/adapters/local-partitions';
import { exportObjectKey, type ExportTable } from '../../../lambda/analytics/contracts/curated';

describe('LocalPartitions', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'c360-partitions-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));
  const put = async (table: ExportTable, id: string) => {
    const file = join(dir, exportObjectKey(table, id, 0));
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, 'x');
  };
  const ids = async (table: ExportTable) => (await readdir(join(dir, 'exports', table)).catch(() => [] as string[])).sort();

  it('registers an export only when every table has its files', async () => {
    await put('profiles', '20261201T220000Z');
    const catalog = new LocalPartitions(dir);
    await expect(catalog.register('20261201T220000Z', ['profiles'])).resolves.toBeUndefined();
    await expect(catalog.register('20261201T220000Z', ['profiles', 'identities'])).rejects.toThrow(/export 20261201T220000Z of identities has no Parquet file/);
  });

  it('deletes the folders of exports older than the cutoff, as the lifecycle rule would', async () => {
    for (const id of ['20261120T000000Z', '20261124T215959Z', '20261124T220000Z', '20261201T220000Z']) {
      await put('profiles', id);
      await put('identities', id);
    }
    await mkdir(join(dir, 'exports', 'profiles', 'not-a-partition'));
    const dropped = await new LocalPartitions(dir).dropOlderThan('20261124T220000Z', ['profiles', 'identities', 'segment_membership']);
    expect(dropped).toBe(4);
    expect(await ids('profiles')).toEqual(['export_id=20261124T220000Z', 'export_id=20261201T220000Z', 'not-a-partition']);
    expect(await ids('identities')).toEqual(['export_id=20261124T220000Z', 'export_id=20261201T220000Z']);
  });

  it('discards every folder of a failed export', async () => {
    await put('profiles', '20261201T220000Z');
    await put('identities', '20261201T220000Z');
    await put('profiles', '20261130T220000Z');
    await new LocalPartitions(dir).discard('20261201T220000Z', ['profiles', 'identities', 'rejected_identifiers']);
    expect(await ids('profiles')).toEqual(['export_id=20261130T220000Z']);
    expect(await ids('identities')).toEqual([]);
  });

  it('refuses what is not an export id', async () => {
    await expect(new LocalPartitions(dir).discard('../..', ['profiles'])).rejects.toThrow(/not an export id/);
  });
});
