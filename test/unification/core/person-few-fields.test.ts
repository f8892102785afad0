import { describe, expect, it } from 'vitest';
import { parseMatchingRules } from '../../../lambda/config/unification/matching';
import type { PersonRecord } from '../../../lambda/config/unification/person-fields';
import { generateCandidates, keyPart } from '../../../lambda/unification/core/matching/blocking';
import { matchPeople, pairwiseMetrics } from '../../../lambda/unification/core/matching';
import { normalizePerson } from '../../../lambda/unification/core/matching/normalize';
import { seededRandom } from '../../../lambda/shared/random';

const GIVEN = [
  'Anna', 'Bernd', 'Clara', 'Dieter', 'Elke', 'Frank', 'Gisela', 'Hans', 'Ingrid', 'Jürgen', 'Karin', 'Lothar', 'Monika',
  'Norbert', 'Olga', 'Peter', 'Renate', 'Stefan', 'Tanja', 'Uwe', 'Vera', 'Werner', 'Yvonne', 'Klaus', 'Sabine', 'Rolf',
];
const FAMILY = [
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch',
  'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'van der Berg', 'von Arnim',
];
const PLACES = ['Berlin', 'Hamburg', 'München', 'Köln', 'Frankfurt am Main', 'Stuttgart', 'Düsseldorf', 'Leipzig', 'Dortmund', 'Essen', 'Bremen', 'Dresden'];

type Rand = () => number;
const pick = <T,>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const p2 = (n: number): string => String(n).padStart(2, '0');

function typo(r: Rand, s: string): string {
  const i = 1 + Math.floor(r() * (s.length - 2));
  return s.slice(0, i) + s.slice(i + 1);
}

interface Person {
  given: string;
  family: string;
  y: number;
  m: number;
  d: number;
  place: string;
  gender: string;
}

/**
 * A few-field population: full name, date of birth, birthplace, gender. Every
 * other person has a duplicate written differently (name order, a title, a
 * typo, a date slip, the place left out), never more than two changes.
 */
function fewFieldPeople(seed: number, people: number): { records: PersonRecord[]; truth: Map<string, string> } {
  const r = seededRandom(seed);
  const records: PersonRecord[] = [];
  const truth = new Map<string, string>();
  const render = (p: Person, variant: number): PersonRecord => {
    const given = p.given;
    const family = p.family;
    const fullName = variant === 0 ? `${given} ${family}` : variant === 1 ? `${family}, ${given}` : variant === 2 ? `${p.gender === 'f' ? 'Frau' : 'Herr'} ${given} ${family}` : `${family.toUpperCase()} ${given}`;
    return { id: '', fullName, dateOfBirth: `${p2(p.d)}.${p2(p.m)}.${p.y}`, birthplace: p.place, gender: p.gender === 'f' ? 'weiblich' : 'männlich' };
  };
  for (let e = 0; e < people; e++) {
    const female = r() < 0.5;
    const p: Person = {
      given: pick(r, GIVEN),
      family: pick(r, FAMILY),
      y: 1940 + Math.floor(r() * 60),
      m: 1 + Math.floor(r() * 12),
      d: 1 + Math.floor(r() * 28),
      place: pick(r, PLACES),
      gender: female ? 'f' : 'm',
    };
    records.push({ ...render(p, 0), id: `e${e}-a` });
    truth.set(`e${e}-a`, `e${e}`);
    if (e % 2 === 0) {
      const q = { ...p };
      const changes = 1 + Math.floor(r() * 2);
      for (let c = 0; c < changes; c++) {
        const op = Math.floor(r() * 4);
        if (op === 0) q.given = typo(r, q.given);
        else if (op === 1) q.family = typo(r, q.family);
        else if (op === 2) q.d = q.d === 28 ? 27 : q.d + 1;
        else q.place = '';
      }
      const dup = render(q, 1 + Math.floor(r() * 3));
      if (q.place === '') delete dup.birthplace;
      records.push({ ...dup, id: `e${e}-b` });
      truth.set(`e${e}-b`, `e${e}`);
    }
  }
  return { records, truth };
}

describe('blocking on a full name', () => {
  it('keys a full name by the Soundex codes of its words, in any order and spelling', () => {
    const key = (fullName: string) => keyPart(normalizePerson({ id: '1', fullName }), { field: 'fullName', transform: 'tokenSoundex' });
    expect(key('Müller, Hans Peter')).toBe(key('Peter Hans Mueller'));
    expect(key('Dr. Hans Peter Müller')).toBe(key('MÜLLER Hans Peter'));
    expect(key('Hans Müller')).not.toBe(key('Hans Schmidt'));
    expect(key('')).toBe('');
  });
});

describe('few-field person data (full name, date of birth, birthplace)', () => {
  const population = 300;
  const data = fewFieldPeople(17, population);

  it('blocking brings every duplicate pair together when only a full name, a date and a place exist', () => {
    const rules = parseMatchingRules({});
    const people = data.records.map((rec) => normalizePerson(rec, { dateOrder: 'DMY' }));
    const { pairs } = generateCandidates(people, rules);
    const n = people.length;
    const index = new Map(data.records.map((rec, i) => [rec.id, i]));
    const candidates = new Set(pairs);
    let missed = 0;
    for (let e = 0; e < population; e += 2) {
      const a = index.get(`e${e}-a`)!;
      const b = index.get(`e${e}-b`)!;
      if (!candidates.has(Math.min(a, b) * n + Math.max(a, b))) missed++;
    }
    expect(missed).toBe(0);
    // and far fewer pairs than all pairs
    expect(pairs.length).toBeLessThan((n * (n - 1)) / 2 / 10);
  });

  it('finds the duplicates written in different name orders and with titles, with few false matches', () => {
    const result = matchPeople(data.records, { normalization: { dateOrder: 'DMY' } });
    const m = pairwiseMetrics(result.clusterIds, data.truth);
    expect(m.recall).toBeGreaterThanOrEqual(0.95);
    expect(m.precision).toBeGreaterThanOrEqual(0.95);
    expect(result.clusterIds.get('e0-b')).toBe(result.clusterIds.get('e0-a'));
  });

  it('learns that a gender mismatch counts against a match and a missing gender counts for nothing', () => {
    const result = matchPeople(data.records, { normalization: { dateOrder: 'DMY' } });
    expect(result.explain('e0-a', 'e0-b')!.features.find((f) => f.name === 'gender')?.level).toBe('agree');
    const gender = result.model!.features.find((f) => f.name === 'gender')!;
    expect(gender.active).toBe(true);
    expect(gender.weights[1]!).toBeLessThan(-2);
    expect(gender.weights[0]!).toBeGreaterThan(0);
    // the same two records with one gender removed: the gender feature is simply absent
    const records = data.records.map((rec) => (rec.id === 'e0-b' ? { ...rec, gender: 'unknown' } : rec));
    const without = matchPeople(records, { normalization: { dateOrder: 'DMY' } }).explain('e0-a', 'e0-b')!;
    expect(without.features.map((f) => f.name)).not.toContain('gender');
    const flipped = data.records.map((rec) => (rec.id === 'e0-b' ? { ...rec, gender: rec.gender === 'weiblich' ? 'm' : 'f' } : rec));
    const against = matchPeople(flipped, { normalization: { dateOrder: 'DMY' } }).explain('e0-a', 'e0-b')!;
    expect(against.features.find((f) => f.name === 'gender')?.level).toBe('disagree');
    expect(against.logOdds).toBeLessThan(without.logOdds);
  });

  it('compares birthplaces like cities: a typo or a partial name is close, another place disagrees', () => {
    const base: PersonRecord[] = data.records.slice(0, 200);
    const probe: PersonRecord[] = [
      { id: 'x1', fullName: 'Quirin Obermaier', dateOfBirth: '1950-05-05', birthplace: 'Frankfurt am Main' },
      { id: 'x2', fullName: 'Quirin Obermaier', dateOfBirth: '1950-05-05', birthplace: 'Frankfurt' },
      { id: 'x3', fullName: 'Quirin Obermaier', dateOfBirth: '1950-05-05', birthplace: 'Hamburg' },
    ];
    const result = matchPeople([...base, ...probe]);
    const level = (a: string, b: string) => result.explain(a, b)!.features.find((f) => f.name === 'birthplace')?.level;
    expect(level('x1', 'x2')).toBe('close');
    expect(level('x1', 'x3')).toBe('disagree');
    expect(result.explain('x1', 'x2')!.logOdds).toBeGreaterThan(result.explain('x1', 'x3')!.logOdds);
  });
});

/**
 * People with an occupation: duplicates nearly always keep it, strangers
 * rarely share it. `common` of the population share one occupation.
 */
function peopleWithOccupation(seed: number, people: number, common: number): PersonRecord[] {
  const r = seededRandom(seed);
  const jobs = Array.from({ length: 40 }, (_, i) => `occupation ${i}`);
  const out: PersonRecord[] = [];
  for (let e = 0; e < people; e++) {
    const job = r() < common ? 'clerk' : pick(r, jobs);
    const rec: PersonRecord = {
      id: `p${e}`,
      fullName: `${pick(r, GIVEN)} ${pick(r, FAMILY)}`,
      birthYear: String(1940 + Math.floor(r() * 60)),
      attributes: { job },
    };
    out.push(rec);
    if (e % 3 === 0) out.push({ ...rec, id: `p${e}-dup`, birthYear: String(Number(rec.birthYear) + (r() < 0.5 ? 1 : 0)), attributes: { job: r() < 0.95 ? job : pick(r, jobs) } });
  }
  return out;
}

describe('categorical attributes', () => {
  it('learns weights from the data so that agreeing on a discriminating attribute raises a pair’s score', () => {
    const records = peopleWithOccupation(3, 300, 0);
    // two probe pairs alike in everything but whether the occupation agrees
    records.push(
      { id: 'a1', fullName: 'Zacharias Quendt', birthYear: '1961', attributes: { job: 'astronomer' } },
      { id: 'a2', fullName: 'Zacharias Quendt', birthYear: '1962', attributes: { job: 'astronomer' } },
      { id: 'b1', fullName: 'Xaver Yblinger', birthYear: '1961', attributes: { job: 'astronomer' } },
      { id: 'b2', fullName: 'Xaver Yblinger', birthYear: '1962', attributes: { job: 'baker' } },
    );
    const result = matchPeople(records, { categorical: ['job'] });
    const job = result.model!.features.find((f) => f.name === 'job')!;
    expect(job.active).toBe(true);
    expect(job.weights[0]!).toBeGreaterThan(1);
    expect(job.weights[1]!).toBeLessThan(-1);
    const agree = result.explain('a1', 'a2')!;
    const disagree = result.explain('b1', 'b2')!;
    expect(agree.features.find((f) => f.name === 'job')?.level).toBe('agree');
    expect(disagree.features.find((f) => f.name === 'job')?.level).toBe('disagree');
    expect(agree.logOdds - disagree.logOdds).toBeGreaterThan(3);
    // undeclared, the attribute is ignored
    const plain = matchPeople(records);
    expect(plain.model!.features.some((f) => f.name === 'job')).toBe(false);
    expect(plain.explain('a1', 'a2')!.logOdds).toBeLessThan(agree.logOdds);
  });

  it('weights agreement on a rare value above agreement on a common one', () => {
    const records = peopleWithOccupation(5, 1500, 0.6);
    records.push(
      { id: 'r1', fullName: 'Zacharias Quendt', birthYear: '1961', attributes: { job: 'occupation 7' } },
      { id: 'r2', fullName: 'Zacharias Quendt', birthYear: '1961', attributes: { job: 'occupation 7' } },
      { id: 'c1', fullName: 'Xaver Yblinger', birthYear: '1961', attributes: { job: 'clerk' } },
      { id: 'c2', fullName: 'Xaver Yblinger', birthYear: '1961', attributes: { job: 'clerk' } },
    );
    const result = matchPeople(records, { categorical: ['job'] });
    const weightOf = (a: string, b: string) => result.explain(a, b)!.features.find((f) => f.name === 'job')!.weight;
    expect(weightOf('r1', 'r2')).toBeGreaterThan(weightOf('c1', 'c2') + 1);
  });

  it('validates declared attribute names', () => {
    expect(parseMatchingRules({ categorical: ['occupation', 'nationality'] }).categorical).toEqual(['occupation', 'nationality']);
    expect(parseMatchingRules({}).categorical).toEqual([]);
    expect(() => parseMatchingRules({ categorical: ['city'] })).toThrow(/person field/);
    expect(() => parseMatchingRules({ categorical: ['job', 'job'] })).toThrow(/duplicate attribute "job"/);
    expect(() => parseMatchingRules({ categorical: ['a b'] })).toThrow(/identifiers/);
    expect(() => parseMatchingRules({ categorical: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] })).toThrow();
  });
});
