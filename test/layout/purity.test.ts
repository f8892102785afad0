/**
 * What the import rules (.dependency-cruiser.cjs) cannot see: core/, contracts/
 * and the config read no clock, no randomness, no environment and write no
 * logs, so the same input always gives the same output.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The pure rooms: every pillar's core/ and contracts/, and the config. */
function pureFiles(): string[] {
  const lambda = join(ROOT, 'lambda');
  const pillars = readdirSync(lambda).filter((name) => statSync(join(lambda, name)).isDirectory());
  const rooms = [join(lambda, 'config'), ...pillars.flatMap((p) => [join(lambda, p, 'core'), join(lambda, p, 'contracts')])];
  return rooms.filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory()).flatMap(tsFiles);
}

const IMPURE: ReadonlyArray<[RegExp, string]> = [
  [/\bDate\.now\(/, 'reads the clock (take the time as an input)'],
  [/new Date\(\s*\)/, 'reads the clock (take the time as an input)'],
  [/\bMath\.random\(|\brandom(UUID|Bytes|Int)\b|\bgetRandomValues\(/, 'is random (take a seeded random source or an id generator as an input)'],
  [/\bprocess\.(env|argv|exit|stdout|stderr)\b/, 'reads or writes the process (configuration comes in as parameters)'],
  [/\bconsole\./, 'logs (return what happened; the caller logs it)'],
  [/\bset(Timeout|Interval|Immediate)\(/, 'schedules work (timing belongs to the caller)'],
];

/** Comments may name what the code must not do. */
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

describe('pure modules', () => {
  const files = pureFiles();

  it('finds the pure rooms of the tree', () => {
    const rel = files.map((f) => relative(ROOT, f));
    expect(rel.some((f) => f.startsWith('lambda/unification/core/'))).toBe(true);
    expect(rel.some((f) => f.startsWith('lambda/collection/core/'))).toBe(true);
    expect(rel.some((f) => f.startsWith('lambda/config/'))).toBe(true);
  });

  it('read no clock, no randomness and no environment, and log nothing', () => {
    const findings = files.flatMap((file) => {
      const code = withoutComments(readFileSync(file, 'utf8'));
      return IMPURE.filter(([pattern]) => pattern.test(code)).map(([, why]) => `${relative(ROOT, file)} ${why}`);
    });
    expect(findings).toEqual([]);
  });
});
