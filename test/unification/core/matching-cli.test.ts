import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseFieldMap, registerResolveCommand } from '../../../bin/commands/resolve';

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
    for (const field of ['firstName', 'middleName', 'lastName', 'dateOfBirth', 'birthYear', 'streetNumber', 'address1', 'address2', 'city', 'postcode', 'state', 'country', 'nationalId', 'email', 'phone']) {
      expect(help).toMatch(new RegExp(`^  ${field} +\\S`, 'm'));
    }
    expect(help).toMatch(/--truth <column>/);
  });
});
