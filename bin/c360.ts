#!/usr/bin/env -S npx tsx
/**
 * The c360 command line: run the platform locally, send events, and (with
 * the resolve command) match person records in batch.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { QUARANTINE_ZONE, RAW_ZONE } from '../lambda/collection/contracts/lake-layout';
import { config } from '../lambda/config/load';
import { kinesisClient } from '../lambda/shared/clients';
import { demoCatalogCsv, generateDemo } from '../lambda/local/demo';
import { writeFile } from 'node:fs/promises';
import { resetDataDir } from '../lambda/local/data-dir';
import { startLocalRuntime, type LocalRuntime } from '../lambda/local/runtime';
import { localDataDir, onLauncherExit, runtimeInfoFile, runtimeProblem, type LocalRuntimeInfo } from '../lambda/local/runtime-info';
import { payloadOf, readEventLines, sendPayloads, sendSummary } from '../lambda/local/send';
import { registerActivationCommands } from './commands/activation';
import { registerAuditCommand } from './commands/audit';
import { registerEraseCommands } from './commands/erase';
import { registerExportCommand } from './commands/export';
import { registerImportCommand } from './commands/import';
import { registerPlanCommand } from './commands/plan';
import { localRuntimeInfo } from './commands/local-runtime-info';
import { registerProfileCommands } from './commands/profiles';
import { registerQualityCommand } from './commands/quality';
import { registerReplayCommand } from './commands/replay';
import { registerResolveCommand } from './commands/resolve';
import { registerSqlCommand } from './commands/sql';

// The AWS SDK's notice about future Node.js versions (NodeVersionSupportWarning, printed by process.emitWarning when
// the first client is made) would open every command's output. The SDK's own switch turns off that notice only;
// clients are made in the commands' actions, after this line.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command('c360').description('c360: an open-source Customer 360 platform for AWS');

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

program
  .command('start')
  .description('run the platform on this machine: in-process DynamoDB and Kinesis, the consumer, the profile API, and demo data')
  .option('--no-demo', 'do not send the demo dataset (it is sent once per data directory, on the first start)')
  .option('--fresh', 'remove the local state first (what `c360 reset` removes) and start over')
  .option('--people <n>', 'people in the demo dataset', positiveInt, 250)
  .option('--port <n>', 'port of the profile API', positiveInt, config.local.apiPort)
  .action(async (opts: { demo: boolean; fresh?: boolean; people: number; port: number }) => {
    const started = performance.now();
    if (opts.fresh === true) {
      await refuseWhileRunning(localDataDir(config.local.dataDir));
      printRemoved(await resetDataDir(localDataDir(config.local.dataDir)));
    }
    let runtime: LocalRuntime | undefined;
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (runtime?.stop() ?? Promise.resolve()).then(() => process.exit(0));
      return stopping;
    };
    // A signal sent to npm alone may not reach this process (npm → sh → tsx → node): stop when a launcher is gone.
    // Watched from the start, while every launcher is still there to be found.
    onLauncherExit((pid) => {
      console.log(`\nThe process that started c360 (${pid}) has exited: stopping.`);
      void stop();
    });
    runtime = await startLocalRuntime(config, { apiPort: opts.port, dataDir: localDataDir(config.local.dataDir), persist: true });
    console.log(`c360 is running locally: dashboard ${runtime.dashboardUrl}
  profile API   ${runtime.apiUrl}
  Kinesis       ${runtime.kinesisEndpoint}  stream ${runtime.streamName}
  DynamoDB      ${runtime.dynamodbEndpoint}  table ${runtime.tableName}
  lake          ${runtime.lakeDir}
  data          ${runtime.dataDir} (kept across restarts; c360 reset or --fresh starts over)`);
    const demoSentAt = await readFile(runtime.demoMarker, 'utf8').then(
      (text) => (JSON.parse(text) as { sentAt?: string }).sentAt ?? 'earlier',
      () => undefined,
    );
    if (opts.demo && demoSentAt !== undefined) console.log(`\nThe demo dataset was sent to this data directory ${demoSentAt === 'earlier' ? 'earlier' : `at ${demoSentAt}`}; profiles are as the last run left them.`);
    if (opts.demo && demoSentAt === undefined) {
      const demo = generateDemo({ people: opts.people });
      // The item catalog first, as a retailer's feed would be: recommendations and templates name its items.
      await writeFile(join(runtime.activation.paths.itemsDir, 'demo-items.csv'), demoCatalogCsv());
      const items = (await runtime.activation.run('items')) as { reports: Array<{ imported: number }> };
      const payloads = demo.events.map((e) => payloadOf(JSON.stringify(e)));
      const half = Math.floor(payloads.length / 2);
      // Half as plain records, half KPL-aggregated, as real producers mix them.
      await sendPayloads(runtime.kinesis, runtime.streamName, payloads.slice(0, half));
      await sendPayloads(runtime.kinesis, runtime.streamName, payloads.slice(half), { aggregateEvery: 25 });
      await sendPayloads(runtime.kinesis, runtime.streamName, demo.poison.map(payloadOf));
      await writeFile(runtime.demoMarker, JSON.stringify({ sentAt: new Date().toISOString(), people: demo.people.length, events: demo.events.length }) + '\n');
      await runtime.poller?.drain();
      await runtime.lakePoller?.drain();
      // The curated zone right away (then on the schedule), so `c360 sql` and the dashboard have profiles to show.
      const exported = await runtime.exportProfiles();
      // Activation at once rather than on its schedules: the recommender's model, propensity scores (back through
      // the stream onto the profiles), audience exports; segment-triggered campaigns have already written the outbox.
      for (const p of runtime.activationPollers) await p.drain();
      await runtime.activation.run('recommender');
      const propensity = (await runtime.activation.run('propensity')) as { scoring?: { models: ReadonlyArray<{ model: string; scored: number; skipped?: string }> } };
      const scores = (propensity.scoring?.models ?? []).map((m) => (m.skipped === undefined ? `${m.scored} ${m.model}` : `no ${m.model} (${m.skipped})`)).join(', ');
      await runtime.poller?.drain();
      await runtime.activation.settled();
      await runtime.activation.run('exports');
      const messages = await runtime.activation.outbox.list({ limit: 100_000 });
      const sent = messages.filter((m) => m.delivered).length;
      const t = runtime.totals;
      const hero = demo.people[0];
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`
Demo: ${demo.people.length} people, ${demo.events.length} events across web, app, store, CRM and support, sent out of order
(plus ${demo.poison.length} broken records). In ${seconds} s: ${t.applied} events applied, ${t.merges} profiles merged,
${t.quarantined} records quarantined with their reasons under ${join(runtime.lakeDir, QUARANTINE_ZONE)}.
${exported.profiles} profiles exported to the curated zone (export ${exported.exportId}).
Activation: ${items.reports.reduce((n, r) => n + r.imported, 0)} catalog items; propensity scores: ${scores || 'none'}; ${sent} campaign messages in the outbox
(${messages.length - sent} more held back by a rule, each with its reason) under ${runtime.activation.paths.outboxDir}.

Try:
  curl -s '${runtime.apiUrl}/profiles?email=${hero?.email}'
      one profile joining ${hero?.channels.join(', ')} activity (${hero?.firstName} ${hero?.lastName})
  curl -s '${runtime.apiUrl}/profiles?phone=${encodeURIComponent(hero?.phone ?? '')}'
  curl -s '${runtime.apiUrl}/profiles?userId=${hero?.userId}'
  curl -s -u ${Object.values(config.collection.sources).flatMap((s) => s.localWriteKeys)[0] ?? '<write key>'}: -H 'content-type: application/json' \\
       -d '{"userId":"${hero?.userId}","event":"Product Viewed"}' ${runtime.apiUrl}/v1/track
      the Segment-compatible collector (point any Segment SDK at ${runtime.apiUrl})
  npx tsx bin/c360.ts import samples/crm.csv --source crm   a batch file, mapped by collection.sources in c360.config.ts
      (samples/ holds one per source with a file mapping; its report, samples/crm.csv.report.json, shows the row left without its invalid email)
  npx tsx bin/c360.ts send events.jsonl                     your own events straight to the stream (one JSON event per line)
  npx tsx bin/c360.ts sql "SELECT * FROM customers_overview"   SQL over the lake and the curated zone (DuckDB; --views lists the shipped views)
  npx tsx bin/c360.ts sql --as analyst "SELECT * FROM users LIMIT 5"   the same as a governance role: direct PII masked
  curl -s '${runtime.apiUrl}/profiles/<profileId>/consent'   consent per purpose and its history (PUT to change it)
  npx tsx bin/c360.ts quality                               the data-quality rules over the local lake; c360 audit lists who did what
  npx tsx bin/c360.ts export                                exports the profile tables now (they also export every ${config.analytics.export.everyMinutes} min)
  npx tsx bin/c360.ts outbox --limit 5                     campaign messages with every rule outcome (suppression, consent, control, cap, quiet hours)
  npx tsx bin/c360.ts outbox open <id>                      simulate an open: an Email Opened event reaches the profile
  npx tsx bin/c360.ts recommend <profileId>                 recommendations, and which engine answered (built-in locally)
  npx tsx bin/c360.ts activation run propensity             retrain and rescore churn and repurchase (the report: ${join(runtime.dataDir, 'models', 'propensity')})
  npx tsx bin/c360.ts erase email=${demo.people[1]?.email ?? 'alice@example.com'}
      erases one demo customer from every local store (profile, lake, curated, bus, reports) and prints the receipt;
      their later events are dropped (suppression list). Show a receipt again: npx tsx bin/c360.ts erasure <id>
Raw events land in ${join(runtime.lakeDir, RAW_ZONE)} by source and event date.`);
    }
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    console.log('\nPress Ctrl-C to stop.');
  });

program
  .command('reset')
  .description("remove the local runtime's state (tables, stream, stream positions, lake, reports) so the next start begins empty")
  .action(async () => {
    const dataDir = localDataDir(config.local.dataDir);
    await refuseWhileRunning(dataDir);
    printRemoved(await resetDataDir(dataDir));
  });

program
  .command('send')
  .description('send a JSONL file of Segment-spec events to the stream (the local runtime unless --stream is given)')
  .argument('<file>', 'one JSON event per line')
  .option('--stream <name>', 'a deployed Kinesis stream (uses your AWS credentials and region)')
  .option('--aggregate <n>', 'pack n events into each KPL-aggregated record', positiveInt, 1)
  .action(async (file: string, opts: { stream?: string; aggregate: number }) => {
    const lines = readEventLines(await readFile(file, 'utf8'));
    let streamName = opts.stream;
    let kinesis;
    if (streamName === undefined) {
      const local = await localRuntimeInfo('pass --stream');
      streamName = local.streamName;
      kinesis = kinesisClient({ endpoint: local.kinesisEndpoint, region: local.region });
    } else kinesis = kinesisClient();
    const result =
      lines.payloads.length === 0 ? undefined : await sendPayloads(kinesis, streamName, lines.payloads, { aggregateEvery: Math.max(1, opts.aggregate) });
    kinesis.destroy();
    console.log(sendSummary(file, streamName, lines, result));
    if (lines.unreadable.length > 0) process.exitCode = 1;
  });

program
  .command('demo-data')
  .description('print the demo dataset as JSONL (one Segment event per line)')
  .option('--people <n>', 'people in the dataset', positiveInt, 250)
  .action((opts: { people: number }) => {
    for (const e of generateDemo({ people: opts.people }).events) process.stdout.write(JSON.stringify(e) + '\n');
  });

registerImportCommand(program);
registerResolveCommand(program);
registerReplayCommand(program);
registerProfileCommands(program);
registerSqlCommand(program);
registerExportCommand(program);
registerPlanCommand(program);
registerEraseCommands(program);
registerQualityCommand(program);
registerAuditCommand(program);
registerActivationCommands(program);

program
  .command('bench')
  .description("measure c360 on this machine (throughput, cost per event, freshness, lookups, bundles, matching) and print each figure with its target")
  .option('--json', 'print one JSON object of the figures instead of a table')
  .option('--only <sections>', 'comma-separated sections: consumer, collector, runtime, bundles, import, matching, analytics, governance, activation')
  .option('--people <n>', 'people in the demo workload', positiveInt, 2000)
  .option('--datasets <dir>', 'folder of the matching benchmark datasets (febrl3/, rldata/)')
  .action(async (opts: { json?: boolean; only?: string; people: number; datasets?: string }) => {
    const { runBench, printReport, SECTIONS, DEFAULT_DATASETS_DIR } = await import('../bench/index');
    const sections = opts.only === undefined ? [...SECTIONS] : opts.only.split(',').map((x) => x.trim());
    const unknown = sections.filter((x) => !(SECTIONS as readonly string[]).includes(x));
    if (unknown.length > 0) throw new Error(`unknown bench section ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
    const report = await runBench(config, {
      sections: sections as typeof SECTIONS[number][],
      people: opts.people,
      datasetsDir: opts.datasets ?? DEFAULT_DATASETS_DIR,
    });
    printReport(report, opts.json === true);
  });

/** Removing the state under a running runtime would pull its tables and stream from under it. */
async function refuseWhileRunning(dataDir: string): Promise<void> {
  const text = await readFile(runtimeInfoFile(dataDir), 'utf8').catch(() => undefined);
  if (text === undefined) return;
  let info: LocalRuntimeInfo;
  try {
    info = JSON.parse(text) as LocalRuntimeInfo;
  } catch {
    return;
  }
  if ((await runtimeProblem(info)) === undefined) throw new Error(`the local runtime is running (process ${info.pid ?? 'unknown'}): stop it first, then reset`);
}

function printRemoved(removed: readonly string[]): void {
  console.log(removed.length === 0 ? 'No local state to remove.' : `Removed the local state:\n${removed.map((p) => `  ${p}`).join('\n')}`);
}

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`c360: ${err.message}`);
  process.exit(1);
});
