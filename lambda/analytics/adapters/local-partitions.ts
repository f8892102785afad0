/**
 * PartitionCatalog on the local curated folder: DuckDB reads the export
 * tables by globbing their folders, so a partition is its folder
 * (`exports/<table>/export_id=<id>/`). Registering checks that every table's
 * folder of the export holds its files; expiry deletes the folders of older
 * exports (what the bucket's lifecycle rule does deployed); discarding a
 * failed export deletes its folders.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EXPORT_PARTITION, exportPartitionPrefix, exportTablePrefix, type ExportTable } from '../contracts/curated';
import type { PartitionCatalog } from '../ports';

const EXPORT_ID = /^\d{8}T\d{6}Z$/;
const PARTITION_FOLDER = new RegExp(`^${EXPORT_PARTITION}=(\\d{8}T\\d{6}Z)$`);

function checkId(id: string): string {
  if (!EXPORT_ID.test(id)) throw new Error(`not an export id (YYYYMMDDTHHmmssZ): ${JSON.stringify(id)}`);
  return id;
}

export class LocalPartitions implements PartitionCatalog {
  constructor(private readonly curatedDir: string) {}

  async register(exportId: string, tables: readonly ExportTable[]): Promise<void> {
    checkId(exportId);
    for (const table of tables) {
      const folder = join(this.curatedDir, exportPartitionPrefix(table, exportId));
      const files = await readdir(folder).catch(() => [] as string[]);
      if (!files.some((f) => f.endsWith('.parquet'))) throw new Error(`export ${exportId} of ${table} has no Parquet file in ${folder}`);
    }
  }

  async dropOlderThan(exportId: string, tables: readonly ExportTable[]): Promise<number> {
    checkId(exportId);
    let dropped = 0;
    for (const table of tables) {
      const folder = join(this.curatedDir, exportTablePrefix(table));
      const entries = await readdir(folder).catch(() => [] as string[]);
      for (const name of entries) {
        const id = PARTITION_FOLDER.exec(name)?.[1];
        if (id === undefined || id >= exportId) continue;
        await rm(join(folder, name), { recursive: true, force: true });
        dropped++;
      }
    }
    return dropped;
  }

  async discard(exportId: string, tables: readonly ExportTable[]): Promise<void> {
    checkId(exportId);
    for (const table of tables) await rm(join(this.curatedDir, exportPartitionPrefix(table, exportId)), { recursive: true, force: true });
  }
}
