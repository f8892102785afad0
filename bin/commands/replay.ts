/**
 * `c360 replay`: re-drives a range of the event stream through the unify
 * consumer's batch use case, so events still in a profile's de-duplication
 * window count as duplicates and are not applied twice. Older ones are not
 * recognised, so a range reaching back past the window is refused unless
 * --allow-older-than-window says its records were never applied.
 *
 *   c360 replay --from <ISO time | sequence number> [--to …] [--shard <id>]   a range (the local runtime's stream)
 *   c360 replay --on-failure <file>                                           exactly the batches an on-failure message names
 *   … --stream <name> --table <name> --lake-bucket <bucket>                   against the deployed stream, table and lake
 *
 * It prints what was read per shard and the consumer's outcome counts:
 * applied, duplicate, quarantined (with their reasons in the lake), dropped
 * for erased people, and records it could not apply.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import { config } from '../../lambda/config/load';
import { GOVERNANCE_ENV } from '../../lambda/governance/contracts/env';
import { suppressionCheckFromEnv } from '../../lambda/governance/adapters/deployed-suppression';
import { FileSuppressionList, localSuppressionFile } from '../../lambda/governance/adapters/file-suppression-list';
import { localSubjectHasher } from '../../lambda/governance/adapters/local-hash-key';
import { CachedSuppressionCheck } from '../../lambda/governance/adapters/suppression-check';
import { localDataDir } from '../../lambda/local/runtime-info';
import { documentClient, kinesisClient } from '../../lambda/shared/clients';
import { DynamoProfileStore } from '../../lambda/unification/adapters/dynamodb-profile-store';
import { KinesisRangeReader } from '../../lambda/unification/adapters/kinesis-range-reader';
import { FileQuarantineSink, S3QuarantineSink } from '../../lambda/unification/adapters/quarantine';
import { unifySettings } from '../../lambda/unification/settings';
import { parseOnFailure, parseStreamPosition, replayRange, type ReplayOutcome, type ReplayRange } from '../../lambda/unification/usecases/replay';
import type { UnifyDeps } from '../../lambda/unification/usecases/unify-batch';
import { localRuntimeInfo } from './local-runtime-info';

export interface ReplayOptions {
  readonly from?: string;
  readonly to?: string;
  readonly shard?: string;
  readonly onFailure?: string;
  readonly stream?: string;
  readonly table?: string;
  readonly lakeBucket?: string;
  readonly suppressionTable?: string;
  readonly hashKeySecret?: string;
  readonly allowOlderThanWindow?: boolean;
}

/** The ranges the options name; throws a message naming the flag when they do not make one. */
export async function replayRanges(opts: ReplayOptions, read: (file: string) => Promise<string> = (f) => readFile(f, 'utf8')): Promise<ReplayRange[]> {
  if (opts.onFailure !== undefined) {
    if (opts.from !== undefined || opts.to !== undefined || opts.shard !== undefined) {
      throw new Error('--on-failure names its own range: leave out --from, --to and --shard');
    }
    const text = await read(opts.onFailure).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the on-failure message ${opts.onFailure} (${err.code ?? err.message})`);
    });
    return parseOnFailure(text).map((b) => ({
      shardId: b.shardId,
      from: { sequenceNumber: b.startSequenceNumber },
      to: { sequenceNumber: b.endSequenceNumber },
    }));
  }
  if (opts.from === undefined) throw new Error('say where to start: --from <ISO time | sequence number>, or --on-failure <file>');
  const from = parseStreamPosition(opts.from, '--from');
  const to = opts.to === undefined ? undefined : parseStreamPosition(opts.to, '--to');
  if (to !== undefined && 'atMs' in from && 'atMs' in to && to.atMs < from.atMs) throw new Error('--to is before --from');
  if (to !== undefined && 'sequenceNumber' in from && 'sequenceNumber' in to && BigInt(to.sequenceNumber) < BigInt(from.sequenceNumber)) {
    throw new Error('--to is before --from');
  }
  return [{ from, ...(to === undefined ? {} : { to }), ...(opts.shard === undefined ? {} : { shardId: opts.shard }) }];
}

/** The outcome as the command prints it. */
export function formatReplay(streamName: string, o: ReplayOutcome): string {
  const lines = [`Replayed ${o.records} records (${o.payloads} events) of ${streamName} in ${o.batches} batches:`];
  for (const s of o.shards) {
    lines.push(`  ${s.shardId}: ${s.records} records${s.firstSequenceNumber === undefined ? '' : `, ${s.firstSequenceNumber} … ${s.lastSequenceNumber}`}`);
  }
  lines.push(`  applied ${o.applied}, duplicate ${o.duplicates}, quarantined ${o.quarantined}, dropped (erased people) ${o.suppressed}, merges ${o.merges}`);
  if (o.failedSequenceNumbers.length > 0) lines.push(`  not applied (replay them again): ${o.failedSequenceNumbers.join(', ')}`);
  return lines.join('\n');
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('re-drive a range of the event stream through the unify consumer (events still in the profile de-duplication window are counted as duplicates, not applied again)')
    .option('--from <position>', 'where to start: an ISO 8601 time (AT_TIMESTAMP) or a sequence number (AT_SEQUENCE_NUMBER, with --shard on a stream of several shards)')
    .option('--to <position>', 'where to end, inclusive: a time or a sequence number (default: what the stream holds now)')
    .option('--shard <id>', 'replay one shard only')
    .option('--on-failure <file>', "replay exactly the batches an on-failure message names: Lambda's record, an SQS message (its JSON), or the local runtime's on-failure file")
    .option('--stream <name>', 'the deployed Kinesis stream (with --table and --lake-bucket; uses your AWS credentials and region)')
    .option('--table <name>', 'the deployed profile table')
    .option('--lake-bucket <bucket>', 'the deployed lake bucket (where quarantined records go)')
    .option('--suppression-table <name>', "the deployed suppression list, so erased people's events are dropped as the consumer drops them (with --hash-key-secret)")
    .option('--hash-key-secret <arn>', 'the secret holding the subject hash key (with --suppression-table)')
    .option(
      '--allow-older-than-window',
      'replay records that arrived before the de-duplication window too (refused by default: an event already applied among them would count twice); for batches that were never applied',
    )
    .addHelpText(
      'after',
      `
Examples:
  c360 replay --from 2026-01-31T12:00:00Z --to 2026-01-31T13:00:00Z
  c360 replay --from 49651234567890123456789012345678901234567890123456 --shard shardId-000000000001
  c360 replay --on-failure .c360/on-failure/unify-consumer.jsonl
  c360 replay --on-failure message.json --stream c360-events --table c360-profiles --lake-bucket my-lake

Without --stream, the running local runtime's stream and table are used.`,
    )
    .action(async (opts: ReplayOptions) => {
      const ranges = await replayRanges(opts);
      const deployed = [opts.stream, opts.table, opts.lakeBucket];
      if (deployed.some((x) => x !== undefined) && deployed.some((x) => x === undefined)) {
        throw new Error('against a deployed stack pass all of --stream, --table and --lake-bucket (the stack outputs StreamName, the profile table and the lake bucket)');
      }
      const settings = unifySettings(config);
      let streamName: string;
      let kinesis;
      let doc;
      let deps: UnifyDeps;
      if (opts.stream !== undefined && opts.table !== undefined && opts.lakeBucket !== undefined) {
        streamName = opts.stream;
        kinesis = kinesisClient();
        doc = documentClient();
        if ((opts.suppressionTable === undefined) !== (opts.hashKeySecret === undefined)) {
          throw new Error('pass --suppression-table and --hash-key-secret together');
        }
        const secrets = new SecretsManagerClient({});
        const deployedDoc = doc;
        const suppression = suppressionCheckFromEnv(() => ({ doc: deployedDoc, secrets }), {
          [GOVERNANCE_ENV.suppressionTable]: opts.suppressionTable,
          [GOVERNANCE_ENV.hashKeySecret]: opts.hashKeySecret,
        });
        if (suppression === undefined) {
          console.log("No --suppression-table and --hash-key-secret: erased people's events in the range are not dropped.");
        }
        deps = {
          store: new DynamoProfileStore(doc, opts.table),
          quarantine: new S3QuarantineSink(new S3Client({}), opts.lakeBucket),
          settings,
          ...(suppression === undefined ? {} : { suppression }),
        };
      } else {
        const local = await localRuntimeInfo('pass --stream, --table and --lake-bucket');
        const dataDir = localDataDir(config.local.dataDir);
        streamName = local.streamName;
        kinesis = kinesisClient({ endpoint: local.kinesisEndpoint, region: local.region });
        doc = documentClient({ endpoint: local.dynamodbEndpoint, region: local.region });
        const suppression = new CachedSuppressionCheck(new FileSuppressionList(localSuppressionFile(dataDir)), await localSubjectHasher(dataDir));
        deps = { store: new DynamoProfileStore(doc, local.tableName), quarantine: new FileQuarantineSink(join(dataDir, 'lake')), settings, suppression };
      }
      try {
        const reader = new KinesisRangeReader(kinesis, streamName);
        for (const range of ranges) {
          const outcome = await replayRange(reader, range, {
            ...deps,
            batchSize: config.unification.consumer.batchSize,
            ...(opts.allowOlderThanWindow === true ? { allowOlderThanWindow: true } : {}),
          });
          console.log(formatReplay(streamName, outcome));
        }
      } finally {
        kinesis.destroy();
        doc.destroy();
      }
    });
}
