/**
 * `c360 export`: exports the running local runtime's profiles now (the same
 * export `npm start` runs every analytics.export.everyMinutes) to the local
 * curated zone as Parquet, and prints the counts.
 */
import type { Command } from 'commander';
import { config } from '../../lambda/config/load';
import { prepareDataDir } from '../../lambda/local/data-dir';
import { localDataDir } from '../../lambda/local/runtime-info';
import { startLocalProfileExport, type ExportSummary } from '../../lambda/local/profile-export';
import { documentClient } from '../../lambda/shared/clients';
import { localRuntimeInfo } from './local-runtime-info';

export function formatExportSummary(s: ExportSummary, curatedDir: string): string {
  const tables = Object.entries(s.rows)
    .map(([table, n]) => `  ${table.padEnd(22)}${String(n).padStart(10)} rows`)
    .join('\n');
  const lines = [
    `export ${s.exportId}: ${s.profiles} profiles, ${s.files} Parquet files, ${s.bytes} bytes under ${curatedDir}`,
    tables,
    `  ${s.droppedPartitions} older export partitions dropped (retention ${config.analytics.export.retentionDays} days)`,
  ];
  if (s.unreadable > 0) {
    lines.push(`  ${s.unreadable} profiles skipped: their documents could not be read`);
    for (const u of s.unreadableProfiles) lines.push(`    ${u.key}: ${u.reason}`);
  }
  return lines.join('\n');
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('export the local runtime\'s profiles now to the curated zone (Parquet: profiles, identities, merges, segments, rejected identifiers)')
    .option('--data-dir <dir>', 'state folder of the running local runtime', localDataDir(config.local.dataDir))
    .action(async (opts: { dataDir: string }) => {
      const local = await localRuntimeInfo('pass --data-dir with the state folder of a running one', opts.dataDir);
      const doc = documentClient({ endpoint: local.dynamodbEndpoint, region: local.region });
      try {
        const { curatedDir } = await prepareDataDir(opts.dataDir);
        const summary = await startLocalProfileExport(config, { doc, tableName: local.tableName, curatedDir }, { schedule: false }).run();
        console.log(formatExportSummary(summary, curatedDir));
      } finally {
        doc.destroy();
      }
    });
}
