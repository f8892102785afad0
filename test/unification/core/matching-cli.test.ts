import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseCategoricalMap, parseFieldMap, readPeopleCsv, registerResolveCommand } from '../../../bin/commands/resolve';

let dir: string;

// a tiny CSV with a space after each comma, as FEBRL writes them
const CSV = [
  'rec_id, given_name, surname, dob, town, person',
  'r1, John, Smith, 1980-03-12, Springfield, p1',
  'r2, Jonh, Smith, 1980-03-12, Springfield, p1',
  'r3, Mary, Jones, 1975-07-04, Riverton, p2',
  'r4, Mary, Jones, 1975-04-07, Riverton, p2',
  'r5, Peter, Brown, 1990-01-20, Salem, p3',
  'r6, Susan, Clark, 1966-11-02, Salem, p4',
].join('\n');

// few fields: a full name in one column, sex, date and place of birth, an occupation
const FEW_CSV = [
  'id,name,sex,born,place,job,person',
  'a1,"Müller, Hans",m,1950-02-03,Köln,Bäcker,p1',
  'a2,Herr Hans Mueller,männlich,1950-02-03,Koeln,Bäcker,p1',
  'a3,Dr. Anna van der Berg,f,1971-09-30,Berlin,Ärztin,p2',
  'a4,"van der Berg, Anna",weiblich,1971-09-30,Berlin,NA,p2',
  'a5,Anna Berger,f,1968-04-11,Hamburg,Lehrerin,p3',
  'a6,Hans Müller,m,1982-06-14,München,Maurer,p4',
].join('\n');

function program(): { cmd: Command; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const cmd = new Command('c360').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerResolveCommand(cmd);
  // exitOverride and output capture apply to the subcommand too
  for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  return { cmd, out, err };
}

function captureStdio(): { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  }) as typeof process.stdout.write);
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  }) as typeof process.stderr.write);
  return { stdout, stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'c360-resolve-'));
  writeFileSync(join(dir, 'people.csv'), CSV);
  writeFileSync(join(dir, 'few.csv'), FEW_CSV);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const MAP = 'given_name=firstName,surname=lastName,dob=dateOfBirth,town=city';

describe('c360 resolve', () => {
  it('writes <id>,cluster_id for every row and prints pairwise metrics with --truth', async () => {
    const { cmd } = program();
    const io = captureStdio();
    const outFile = join(dir, 'clusters.csv');
    await cmd.parseAsync(['resolve', join(dir, 'people.csv'), '--id', 'rec_id', '--map', MAP, '--out', outFile, '--truth', 'person'], { from: 'user' });
    const lines = readFileSync(outFile, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('rec_id,cluster_id');
    expect(lines).toHaveLength(7);
    const cluster = Object.fromEntries(lines.slice(1).map((l) => l.split(',') as [string, string]));
    expect(Object.keys(cluster)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(cluster.r2).toBe(cluster.r1);
    expect(cluster.r4).toBe(cluster.r3);
    expect(cluster.r5).not.toBe(cluster.r6);
    const printed = io.stdout.join('');
    expect(printed).toMatch(/precision 1\.0000 {2}recall 1\.0000 {2}f1 1\.0000/);
    expect(printed).toMatch(/true pairs 2/);
  });

  it('writes the clusters to stdout and the report to stderr without --out', async () => {
    const { cmd } = program();
    const io = captureStdio();
    await cmd.parseAsync(['resolve', join(dir, 'people.csv'), '--id', 'rec_id', '--map', MAP, '--truth', 'person', '--threshold', '0.6'], { from: 'user' });
    const csv = io.stdout.join('');
    expect(csv.split('\n')[0]).toBe('rec_id,cluster_id');
    expect(csv).toContain('r6,');
    expect(io.stderr.join('')).toMatch(/f1 /);
    expect(csv).not.toMatch(/f1 /);
  });

  it('fails clearly on an unknown person field', async () => {
    const { cmd, err } = program();
    await expect(
      cmd.parseAsync(['resolve', join(dir, 'people.csv'), '--id', 'rec_id', '--map', 'given_name=firstname'], { from: 'user' }),
    ).rejects.toSatisfy((e: unknown) => e instanceof CommanderError && e.exitCode === 2);
    expect(err.join('')).toMatch(/unknown person field "firstname" .*did you mean "firstName"/);
    expect(() => parseFieldMap('a=firstName,b')).toThrow(/not COLUMN=field/);
  });

  it('fails clearly when the id column is missing', async () => {
    const { cmd, err } = program();
    await expect(
      cmd.parseAsync(['resolve', join(dir, 'people.csv'), '--id', 'record_id', '--map', MAP], { from: 'user' }),
    ).rejects.toSatisfy((e: unknown) => e instanceof CommanderError && e.exitCode === 2);
    expect(err.join('')).toMatch(/column not found in .*: record_id/);
  });

  it('lists the person fields in --help', async () => {
    const { cmd, out } = program();
    await expect(cmd.parseAsync(['resolve', '--help'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    const help = out.join('');
    for (const field of ['firstName', 'middleName', 'lastName', 'dateOfBirth', 'birthYear', 'streetNumber', 'address1', 'address2', 'city', 'postcode', 'state', 'country', 'nationalId', 'email', 'phone', 'fullName', 'gender', 'birthplace']) {
      expect(help).toMatch(new RegExp(`^  ${field} +\\S`, 'm'));
    }
    expect(help).toMatch(/--truth <column>/);
    expect(help).toMatch(/--categorical <mapping>/);
    expect(help).toMatch(/Categorical attributes .*up to 6/);
  });

  it('matches few-field data: a full name in one column, gender, birthplace and a categorical attribute', async () => {
    const { cmd } = program();
    const io = captureStdio();
    const outFile = join(dir, 'few-clusters.csv');
    await cmd.parseAsync(
      ['resolve', join(dir, 'few.csv'), '--id', 'id', '--map', 'name=fullName,sex=gender,born=dateOfBirth,place=birthplace', '--categorical', 'job=occupation', '--out', outFile, '--truth', 'person'],
      { from: 'user' },
    );
    const cluster = Object.fromEntries(readFileSync(outFile, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',') as [string, string]));
    expect(cluster.a2).toBe(cluster.a1);
    expect(cluster.a4).toBe(cluster.a3);
    expect(cluster.a5).not.toBe(cluster.a3);
    expect(cluster.a6).not.toBe(cluster.a1);
    expect(io.stdout.join('')).toMatch(/precision 1\.0000 {2}recall 1\.0000/);
  });

  it('reads categorical columns into record attributes, missing values left out', async () => {
    const { records } = await readPeopleCsv(join(dir, 'few.csv'), { idColumn: 'id', map: parseFieldMap('name=fullName'), categorical: parseCategoricalMap('job=occupation,sex') });
    expect(records[0]).toEqual({ id: 'a1', fullName: 'Müller, Hans', attributes: { occupation: 'Bäcker', sex: 'm' } });
    expect(records[3]!.attributes).toEqual({ sex: 'weiblich' });
  });

  it('fails clearly on a bad categorical attribute', async () => {
    expect(parseCategoricalMap('job=occupation, nationality')).toEqual([
      { column: 'job', name: 'occupation' },
      { column: 'nationality', name: 'nationality' },
    ]);
    expect(() => parseCategoricalMap('town=city')).toThrow(/person field/);
    expect(() => parseCategoricalMap('a=x,b=x')).toThrow(/given twice/);
    expect(() => parseCategoricalMap('job=my job')).toThrow(/identifiers/);
    expect(() => parseCategoricalMap('a,b,c,d,e,f,g')).toThrow(/at most 6/);
    const { cmd, err } = program();
    await expect(
      cmd.parseAsync(['resolve', join(dir, 'few.csv'), '--id', 'id', '--map', 'name=fullName', '--categorical', 'job=city'], { from: 'user' }),
    ).rejects.toSatisfy((e: unknown) => e instanceof CommanderError && e.exitCode === 2);
    expect(err.join('')).toMatch(/--categorical: attribute "city"/);
    expect(() => parseFieldMap('job=occupation')).toThrow(/--categorical/);
  });
});
