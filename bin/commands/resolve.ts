/**
 * `c360 resolve`: batch person matching of a CSV file with the built-in matcher.
 *
 *   c360 resolve people.csv --id rec_id --map 'given_name=firstName,surname=lastName' \
 *     [--categorical 'job=occupation,nationality'] \
 *     [--out clusters.csv] [--truth entity_id] [--threshold 0.5] [--date-order DMY] [--na 'NA,-']
 *
 * Writes `<id column>,cluster_id` for every input row (to --out or stdout) and,
 * with --truth, pairwise precision / recall / F1 against a true entity column
 * (to stderr when the clusters go to stdout, else to stdout).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { config } from '../../lambda/config/load';
import { scanProfiles } from '../../lambda/unification/adapters/dynamodb-profile-scan';
import { MemoryProfileStore } from '../../lambda/unification/adapters/memory-profile-store';
import { documentClient } from '../../lambda/shared/clients';
import { unifySettings } from '../../lambda/unification/settings';
import type { Profile } from '../../lambda/unification/core/profile/profile';
import { previewRules, type RulesPreview } from '../../lambda/unification/usecases/preview-rules';
import type { LocalRuntimeInfo } from '../../lambda/local/runtime-info';
import { localRuntimeInfo } from './local-runtime-info';
import { categoricalNameSchema, DEFAULT_MATCHING_RULES, MAX_CATEGORICAL_ATTRIBUTES } from '../../lambda/config/unification/matching';
import { isPersonField, PERSON_FIELDS, PERSON_FIELD_DESCRIPTIONS, type PersonField, type PersonRecord } from '../../lambda/config/unification/person-fields';
import { matchPeople, pairwiseMetrics, type PairwiseMetrics } from '../../lambda/unification/core/matching';

/** Source column → person field pairs; several columns may feed one field (joined with a space). */
export type FieldMap = Array<{ column: string; field: PersonField }>;

/** Parses `col=field,col2=field2`, rejecting unknown person fields. */
export function parseFieldMap(spec: string): FieldMap {
  const out: FieldMap = [];
  for (const item of spec.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const eq = trimmed.lastIndexOf('=');
    if (eq <= 0 || eq === trimmed.length - 1) {
      throw new Error(`--map entry "${trimmed}" is not COLUMN=field`);
    }
    const column = trimmed.slice(0, eq).trim();
    const field = trimmed.slice(eq + 1).trim();
    if (!isPersonField(field)) {
      const near = PERSON_FIELDS.find((f) => f.toLowerCase() === field.toLowerCase().replace(/[^a-z0-9]/g, ''));
      const hint = near ? ` (did you mean "${near}"?)` : '';
      throw new Error(
        `--map: unknown person field "${field}" for column "${column}"${hint}; known fields: ${PERSON_FIELDS.join(', ')} ` +
          '(free attributes such as occupation go in --categorical)',
      );
    }
    out.push({ column, field });
  }
  if (out.length === 0) throw new Error('--map names no columns');
  return out;
}

/** Source column → categorical attribute name pairs. */
export type CategoricalMap = Array<{ column: string; name: string }>;

/**
 * Parses `col=name,col2` (a bare column is its own attribute name): the free
 * categorical attributes to weigh, such as occupation or nationality.
 */
export function parseCategoricalMap(spec: string): CategoricalMap {
  const out: CategoricalMap = [];
  for (const item of spec.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const eq = trimmed.lastIndexOf('=');
    const column = (eq < 0 ? trimmed : trimmed.slice(0, eq)).trim();
    const name = (eq < 0 ? trimmed : trimmed.slice(eq + 1)).trim();
    if (column === '' || name === '') throw new Error(`--categorical entry "${trimmed}" is not COLUMN or COLUMN=name`);
    const checked = categoricalNameSchema.safeParse(name);
    if (!checked.success) throw new Error(`--categorical: attribute "${name}": ${checked.error.issues[0]?.message ?? 'invalid name'}`);
    if (out.some((c) => c.name === name)) throw new Error(`--categorical: attribute "${name}" is given twice`);
    out.push({ column, name });
  }
  if (out.length === 0) throw new Error('--categorical names no columns');
  if (out.length > MAX_CATEGORICAL_ATTRIBUTES) throw new Error(`--categorical: at most ${MAX_CATEGORICAL_ATTRIBUTES} attributes`);
  return out;
}

/** Values read as missing by default (as R and pandas do). */
export const DEFAULT_NA = ['', 'NA', 'N/A', 'n/a', '#N/A', 'NULL', 'null', 'NaN', 'nan', 'None', '<NA>'];

export interface ReadOptions {
  idColumn: string;
  map: FieldMap;
  categorical?: CategoricalMap;
  truthColumn?: string;
  na?: readonly string[];
}

export interface ReadResult {
  records: PersonRecord[];
  /** Record id → truth label (only with a truth column). */
  truth?: Map<string, string>;
}

/** Streams a CSV (header row; spaces after commas trimmed) into person records. */
export async function readPeopleCsv(file: string, options: ReadOptions): Promise<ReadResult> {
  const na = new Set(options.na ?? DEFAULT_NA);
  const needed = [
    options.idColumn,
    ...options.map.map((m) => m.column),
    ...(options.categorical ?? []).map((c) => c.column),
    ...(options.truthColumn ? [options.truthColumn] : []),
  ];
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      columns: (header: string[]) => {
        const names = header.map((h) => h.trim());
        const missing = needed.filter((c) => !names.includes(c));
        if (missing.length > 0) {
          throw new Error(`column${missing.length > 1 ? 's' : ''} not found in ${file}: ${missing.join(', ')} (columns: ${names.join(', ')})`);
        }
        return names;
      },
    }),
  );
  const records: PersonRecord[] = [];
  const truth = options.truthColumn ? new Map<string, string>() : undefined;
  const seen = new Set<string>();
  for await (const row of parser as AsyncIterable<Record<string, string | undefined>>) {
    const id = row[options.idColumn] ?? '';
    if (id === '') throw new Error(`row ${records.length + 2} of ${file} has an empty id (${options.idColumn})`);
    if (seen.has(id)) throw new Error(`duplicate id "${id}" in ${file}`);
    seen.add(id);
    const record: PersonRecord = { id };
    for (const { column, field } of options.map) {
      const raw = row[column];
      if (raw === undefined || na.has(raw)) continue;
      const prev = record[field];
      record[field] = prev === undefined || prev === null || prev === '' ? raw : `${prev} ${raw}`;
    }
    if (options.categorical && options.categorical.length > 0) {
      const attributes: Record<string, string> = {};
      for (const { column, name } of options.categorical) {
        const raw = row[column];
        if (raw !== undefined && !na.has(raw)) attributes[name] = raw;
      }
      record.attributes = attributes;
    }
    records.push(record);
    if (truth && options.truthColumn) truth.set(id, row[options.truthColumn] ?? '');
  }
  return truth ? { records, truth } : { records };
}

function formatMetrics(m: PairwiseMetrics): string {
  return (
    `precision ${m.precision.toFixed(4)}  recall ${m.recall.toFixed(4)}  f1 ${m.f1.toFixed(4)}` +
    `  (true pairs ${m.truePairs}, predicted pairs ${m.predictedPairs}, correct ${m.truePositives})\n`
  );
}

function parseThreshold(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n >= 1) throw new InvalidArgumentError('a match probability between 0 and 1 (exclusive), e.g. 0.9');
  return n;
}

const FIELD_HELP = PERSON_FIELDS.map((f) => `  ${f.padEnd(13)} ${PERSON_FIELD_DESCRIPTIONS[f]}`).join('\n');

const CATEGORICAL_HELP = [
  `Categorical attributes (--categorical, up to ${MAX_CATEGORICAL_ATTRIBUTES}; in the config: matching.categorical):`,
  "  any other column that describes the person, e.g. 'job=occupation,nationality' (COLUMN=name; a bare",
  '  column is its own name). Each is compared for agreement, missing on either side counting for nothing;',
  '  what agreement and disagreement weigh is learnt from the data, and a rare value agreed on counts more.',
].join('\n');

export function registerResolveCommand(program: Command): Command {
  return program
    .command('resolve')
    .description('match the people in a CSV file: write a cluster id per record (built-in matcher, same rules as Entity Resolution); or, with --dry-run, preview what the rules would merge or split among current profiles')
    .argument('[input]', 'CSV file with a header row')
    .option('--id <column>', 'column holding each record\'s unique id (required with an input file)')
    .option('--map <mapping>', "source columns to person fields, e.g. 'given_name=firstName,surname=lastName'; several columns may map to one field (required with an input file)")
    .option('--categorical <mapping>', "free categorical attributes weighed as evidence, e.g. 'job=occupation,nationality' (COLUMN=name, or a bare COLUMN)")
    .option('--out <file>', 'write the clusters CSV here instead of stdout')
    .option('--truth <column>', 'column with the true entity id: print pairwise precision, recall and F1')
    .option('--threshold <probability>', `match probability a pair needs (default ${DEFAULT_MATCHING_RULES.probabilistic.threshold})`, parseThreshold)
    .addOption(new Option('--date-order <order>', 'reading of ambiguous dates like 03/04/1990').choices(['MDY', 'DMY']).default('MDY'))
    .option('--na <values>', `comma-separated cell values read as missing (default: empty, ${DEFAULT_NA.slice(1).join(', ')})`)
    .option('--dry-run', "preview the config's matching and identity rules against the current profiles: how many would merge or split (writes nothing)")
    .option('--table <name>', 'with --dry-run: a deployed profile table (uses your AWS credentials and region); default: the local runtime')
    .addHelpText(
      'after',
      `\nPerson fields (targets of --map):\n${FIELD_HELP}\n\n${CATEGORICAL_HELP}\n\n` +
        "Output columns: <id column>,cluster_id. A cluster id is the id of the cluster's first record.",
    )
    .action(async function (this: Command, input: string | undefined, opts: {
      id?: string;
      map?: string;
      categorical?: string;
      out?: string;
      truth?: string;
      threshold?: number;
      dateOrder: 'MDY' | 'DMY';
      na?: string;
      dryRun?: boolean;
      table?: string;
    }) {
      if (opts.dryRun) {
        try {
          console.log(formatPreview(await previewCurrentProfiles(opts.table)));
        } catch (e) {
          return this.error(`error: ${(e as Error).message}`, { exitCode: 2, code: 'c360.resolve.dryRun' });
        }
        return;
      }
      if (input === undefined || opts.id === undefined || opts.map === undefined) {
        return this.error('error: give an input CSV with --id and --map, or --dry-run to preview the rules against current profiles', {
          exitCode: 2,
          code: 'c360.resolve.usage',
        });
      }
      const idColumn = opts.id;
      let map: FieldMap;
      let categorical: CategoricalMap = [];
      try {
        map = parseFieldMap(opts.map as string);
        if (opts.categorical !== undefined) categorical = parseCategoricalMap(opts.categorical);
      } catch (e) {
        return this.error(`error: ${(e as Error).message}`, { exitCode: 2, code: 'c360.resolve.map' });
      }
      let read: ReadResult;
      try {
        read = await readPeopleCsv(input, {
          idColumn,
          map,
          categorical,
          ...(opts.truth ? { truthColumn: opts.truth } : {}),
          ...(opts.na !== undefined ? { na: ['', ...opts.na.split(',').map((s) => s.trim())] } : {}),
        });
      } catch (e) {
        return this.error(`error: ${(e as Error).message}`, { exitCode: 2, code: 'c360.resolve.input' });
      }
      const result = matchPeople(read.records, {
        probabilistic: opts.threshold !== undefined ? { threshold: opts.threshold } : {},
        normalization: { dateOrder: opts.dateOrder },
        categorical: categorical.map((c) => c.name),
      });

      const toStdout = opts.out === undefined;
      const sink = toStdout ? process.stdout : createWriteStream(opts.out!);
      const csv = stringify({ header: true, columns: [idColumn, 'cluster_id'] });
      csv.pipe(sink, { end: !toStdout });
      for (const r of read.records) {
        if (!csv.write([r.id, result.clusterIds.get(r.id)!])) await once(csv, 'drain');
      }
      csv.end();
      if (toStdout) await once(csv, 'end');
      else await once(sink, 'finish');

      const info = (text: string): void => {
        (toStdout ? process.stderr : process.stdout).write(text);
      };
      const s = result.stats;
      info(
        `${s.records} records → ${s.clusters} clusters (largest ${s.largestCluster}); ` +
          `${s.comparedPairs} pairs compared, ${s.matchedPairs} matched; ${(s.timingsMs.total / 1000).toFixed(2)} s\n`,
      );
      if (read.truth) info(formatMetrics(pairwiseMetrics(result.clusterIds, read.truth)));
    });
}

/** Reads the live profiles (the local runtime's table, or a deployed one) and previews the config's rules on them. */
async function previewCurrentProfiles(table: string | undefined): Promise<RulesPreview> {
  const local = table === undefined ? await localRuntimeInfo('pass --table <profile table>') : undefined;
  const doc = documentClient(local === undefined ? {} : { endpoint: local.dynamodbEndpoint, region: local.region });
  try {
    const profiles: Profile[] = [];
    for await (const p of scanProfiles(doc, table ?? (local as LocalRuntimeInfo).tableName, { segment: 0, totalSegments: 1 })) profiles.push(p);
    return await previewRules(profiles, unifySettings(config), config.unification.matching, Date.now(), new MemoryProfileStore());
  } finally {
    doc.destroy();
  }
}

export function formatPreview(p: RulesPreview): string {
  const lines = [
    `${p.profiles} live profiles; ${p.compared} with person data to match on.`,
    `would merge: ${p.wouldMerge} profiles into others, in ${p.groups} match groups` +
      (p.refused.length > 0 ? `; ${p.refused.length} merges refused by the identity rules` : ''),
    `would split: ${p.wouldSplit.length} profiles hold identifiers the rules no longer allow together`,
  ];
  for (const r of p.refused.slice(0, 5)) lines.push(`  refused  ${r.profileId} (${r.matchId}): ${r.reason}`);
  for (const s of p.wouldSplit.slice(0, 5)) lines.push(`  split    ${s.profileId}: ${s.reason}`);
  for (const g of p.sampleGroups) lines.push(`  group    ${g.profileIds.join(' + ')}`);
  lines.push('Nothing was written.');
  return lines.join('\n');
}
