/**
 * `c360 import`: imports a batch file (CSV or JSON Lines, optionally gzipped)
 * of a configured source into the event stream, the same way the deployed
 * import function does for files dropped under `landing/<source>/`.
 *
 *   c360 import contacts.csv --source crm [--stream NAME] [--reports DIR]
 *
 * Sends to the local runtime's stream (found through
 * `<local.dataDir>/runtime.json`), or with --stream to a deployed one. Writes
 * `<file>.report.json` and `<file>.rejects.csv|jsonl` next to the input (or
 * in --reports DIR), shows a progress bar on stderr and prints the counts.
 * Against the local runtime, rows of people erased there (its suppression
 * list) are not sent, and the files written are recorded in the data folder
 * so that a later erasure rewrites them too.
 */
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { config as appConfig } from '../../lambda/config/load';
import type { C360Config } from '../../lambda/config';
import { kinesisClient } from '../../lambda/shared/clients';
import { kinesisEventSink } from '../../lambda/collection/adapters/kinesis-sink';
import type { ImportReport } from '../../lambda/collection/core/import-report';
import { LANDING_PREFIX } from '../../lambda/collection/contracts/landing';
import { importFile, ImportFailedError, importSettings } from '../../lambda/collection/usecases/import-file';
import { fileSinks } from '../../lambda/collection/adapters/local-files';
import { localRuntimeInfo } from './local-runtime-info';
import { localDataDir } from '../../lambda/local/runtime-info';
import type { IngestSuppression } from '../../lambda/governance/ports';
import { FileSuppressionList, localSuppressionFile } from '../../lambda/governance/adapters/file-suppression-list';
import { localSubjectHasher } from '../../lambda/governance/adapters/local-hash-key';
import { recordImportOutputs } from '../../lambda/governance/adapters/local-imports';
import { CachedSuppressionCheck } from '../../lambda/governance/adapters/suppression-check';

/** The local runtime's suppression list, as its own ingest paths check it. */
async function localSuppression(config: C360Config, dataDir: string): Promise<IngestSuppression> {
  const hasher = await localSubjectHasher(dataDir);
  return {
    check: new CachedSuppressionCheck(new FileSuppressionList(localSuppressionFile(dataDir)), hasher),
    identifiers: { identifierTypes: config.unification.identity.identifiers, defaultPhoneRegion: config.normalization.defaultPhoneRegion },
  };
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function summary(report: ImportReport): string {
  const lines = [
    `${report.file}: ${report.status}` + (report.reason === undefined ? '' : ` (${report.reason})`),
    `  rows read ${report.rowsRead}, sent ${report.sent}, rejected ${report.rejected}` +
      (report.duplicates > 0 ? `, duplicates ${report.duplicates} (sent once)` : '') +
      (report.unsent > 0 ? `, not sent ${report.unsent}` : '') +
      (report.blankLines > 0 ? `; ${report.blankLines} blank lines skipped` : ''),
  ];
  const histogram = (reasons: Readonly<Record<string, number>>) => {
    for (const [reason, count] of Object.entries(reasons).slice(0, 10)) lines.push(`    ${String(count).padStart(8)}  ${reason}`);
    if (Object.keys(reasons).length > 10) lines.push(`    ... ${Object.keys(reasons).length - 10} more reasons in the report`);
  };
  histogram(report.reasons);
  if (report.rowsWithWarnings > 0) {
    lines.push(`  sent with warnings ${report.rowsWithWarnings}:`);
    histogram(report.rowWarnings);
  }
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
  if (report.rejectsFile !== undefined) lines.push(`  rejects  ${report.rejectsFile}`);
  lines.push(`  report   ${report.reportFile}`);
  return lines.join('\n');
}

export function registerImportCommand(program: Command, config: C360Config = appConfig): Command {
  return program
    .command('import')
    .description('import a batch file (CSV or JSON Lines, optionally gzipped) of a source into the stream, as the landing bucket does')
    .argument('<file>', '.csv, .csv.gz, .jsonl, .jsonl.gz or .ndjson file')
    .requiredOption('--source <name>', `the source whose file mapping applies (configured: ${Object.keys(config.collection.sources).join(', ') || 'none'})`)
    .option('--stream <name>', 'a deployed Kinesis stream (uses your AWS credentials and region) instead of the local runtime')
    .option('--reports <dir>', 'write the report and rejects here instead of next to the file')
    .addHelpText(
      'after',
      `\nRows become events by collection.sources.<name>.file in the config. Each row's messageId is its messageId column,\nor a hash of the source, "${LANDING_PREFIX}<source>/<file name>" and the line, so importing a file again (here or through\nthe landing bucket) is applied once.`,
    )
    .action(async function (this: Command, file: string, opts: { source: string; stream?: string; reports?: string }) {
      const info = await stat(file).catch(() => this.error(`error: cannot read ${file}`, { exitCode: 2, code: 'c360.import.file' }));
      const reportsDir = opts.reports ?? dirname(file);
      await mkdir(reportsDir, { recursive: true });

      let streamName = opts.stream;
      let kinesis;
      let suppression: IngestSuppression | undefined;
      let dataDir: string | undefined;
      if (streamName === undefined) {
        const local = await localRuntimeInfo('pass --stream', config.local.dataDir);
        streamName = local.streamName;
        kinesis = kinesisClient({ endpoint: local.kinesisEndpoint, region: local.region });
        dataDir = localDataDir(config.local.dataDir);
        suppression = await localSuppression(config, dataDir);
      } else kinesis = kinesisClient();
      const recordOutputs = async (r: ImportReport) => {
        if (dataDir !== undefined) await recordImportOutputs(dataDir, [r.reportFile, ...(r.rejectsFile === undefined ? [] : [r.rejectsFile])]);
      };

      const bar = new SingleBar({
        stream: process.stderr,
        format: 'import {bar} {percentage}% | {read}/{size} MB | {rows} rows',
        hideCursor: true,
        clearOnComplete: true,
      });
      bar.start(info.size, 0, { read: mb(0), size: mb(info.size), rows: 0 });
      let report: ImportReport;
      try {
        report = await importFile(
          { key: `${LANDING_PREFIX}${opts.source}/${basename(file)}`, body: createReadStream(file), fileTime: info.mtimeMs },
          {
            settings: importSettings(config),
            events: kinesisEventSink(kinesis, streamName),
            ...fileSinks(reportsDir, file),
            ...(suppression === undefined ? {} : { suppression }),
            onProgress: ({ bytesRead, rowsRead }) => bar.update(bytesRead, { read: mb(bytesRead), rows: rowsRead }),
          },
        );
      } catch (err) {
        bar.stop();
        kinesis.destroy();
        if (err instanceof ImportFailedError) {
          await recordOutputs(err.report);
          console.log(summary(err.report));
          return this.error(`error: the import stopped: ${err.report.reason ?? err.message}`, { exitCode: 1, code: 'c360.import.failed' });
        }
        throw err;
      }
      bar.stop();
      kinesis.destroy();
      await recordOutputs(report);
      console.log(summary(report));
      if (report.status === 'rejected') this.error(`error: ${report.reason ?? 'the file was rejected'}`, { exitCode: 2, code: 'c360.import.rejected' });
    });
}
