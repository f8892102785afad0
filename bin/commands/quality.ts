/**
 * `c360 quality`: the data-quality rules (governance.quality) measured with
 * DuckDB over the local lake and curated zone, each table's latest partition
 * (a day table's newest two days, an export table's latest export), as Glue
 * Data Quality checks them deployed; with the quarantine by reason.
 *
 *   c360 quality            the report as a table
 *   c360 quality --json     the report as JSON
 *
 * Exits 1 when a rule of severity error fails (or cannot be measured).
 */
import type { Command } from 'commander';
import { openLocalWarehouse } from '../../lambda/analytics/adapters/duckdb-warehouse';
import type { Warehouse } from '../../lambda/analytics/ports';
import type { C360Config } from '../../lambda/config';
import { effectiveQualityRules } from '../../lambda/config/governance-quality';
import { config as loadedConfig } from '../../lambda/config/load';
import { DuckDbQualityWarehouse } from '../../lambda/governance/adapters/duckdb-quality';
import { formatReportJson, formatReportTable, hasFailedErrors } from '../../lambda/governance/core/quality/report';
import { evaluateQuality } from '../../lambda/governance/usecases/quality';
import { prepareDataDir } from '../../lambda/local/data-dir';
import { localDataDir } from '../../lambda/local/runtime-info';

export interface QualityCommandOptions {
  /** @default the loaded c360.config.ts */
  readonly config?: C360Config;
  /** @default config.local.dataDir */
  readonly dataDir?: string;
  /** Where the report goes. @default process.stdout */
  readonly write?: (text: string) => void;
  /** The instant freshness is measured against. @default () => new Date() */
  readonly now?: () => Date;
  /** Opens the warehouse over a data folder. @default the local DuckDB warehouse (as `c360 sql`) */
  readonly openWarehouse?: (dataDir: string) => Promise<Warehouse>;
}

async function openLocal(dataDir: string): Promise<Warehouse> {
  const dirs = await prepareDataDir(dataDir);
  return openLocalWarehouse({ lakeDir: dirs.lakeDir, curatedDir: dirs.curatedDir, segmentEventsFile: dirs.busFile });
}

export function registerQualityCommand(program: Command, options: QualityCommandOptions = {}): Command {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const config = options.config ?? loadedConfig;
  return program
    .command('quality')
    .description('check the data-quality rules (governance.quality) on the local lake and curated zone, as Glue Data Quality does deployed')
    .option('--json', 'print the report as JSON')
    .option('--data-dir <dir>', 'the local state folder to read', options.dataDir ?? localDataDir(config.local.dataDir))
    .action(async function (this: Command, opts: { json?: boolean; dataDir: string }) {
      const warehouse = await (options.openWarehouse ?? openLocal)(opts.dataDir);
      let failed: boolean;
      try {
        const report = await evaluateQuality({
          rules: effectiveQualityRules(config.governance.quality),
          warehouse: new DuckDbQualityWarehouse(warehouse),
          now: (options.now ?? (() => new Date()))(),
        });
        write((opts.json === true ? formatReportJson(report) : formatReportTable(report)) + '\n');
        failed = hasFailedErrors(report);
      } finally {
        await warehouse.close();
      }
      if (failed) this.error('error: a rule of severity error failed', { exitCode: 1, code: 'c360.quality.failed' });
    });
}
