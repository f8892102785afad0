import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCandidates } from '../../../lambda/unification/core/matching/blocking';
import { Clusters, mergeCoherently } from '../../../lambda/unification/core/matching/cluster';
import {
  compareDates,
  compareNumbers,
  damerauLevenshtein,
  jaro,
  jaroWinkler,
  levenshtein,
  withinOneEdit,
} from '../../../lambda/unification/core/matching/comparators';
import type { PersonRecord } from '../../../lambda/config/unification/person-fields';
import { matchPeople, pairwiseMetrics } from '../../../lambda/unification/core/matching';
import {
  normalizeEmail,
  normalizeName,
  normalizeNationalId,
  normalizePerson,
  normalizePhone,
  normalizePostcode,
  normalizeStreet,
  normalizeText,
  parseDate,
} from '../../../lambda/unification/core/matching/normalize';
import { nysiis, soundex } from '../../../lambda/unification/core/matching/phonetic';
import { DEFAULT_MATCHING_RULES, matchingRulesSchema, parseMatchingRules, toEntityResolutionCondition } from '../../../lambda/config/unification/matching';
import { seededRandom } from '../../../lambda/shared/random';

// ---------------------------------------------------------------------------
// A small deterministic population with a corruption model, built here.


const FIRST = ['james', 'mary', 'robert', 'patricia', 'john', 'jennifer', 'michael', 'linda', 'david', 'elizabeth', 'william', 'barbara',
  'richard', 'susan', 'joseph', 'jessica', 'thomas', 'sarah', 'charles', 'karen', 'daniel', 'nancy', 'matthew', 'lisa', 'anthony',
  'betty', 'mark', 'sandra', 'donald', 'ashley', 'steven', 'kimberly', 'andrew', 'emily', 'joshua', 'donna', 'kenneth', 'michelle'];
const LAST = ['smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez', 'hernandez',
  'lopez', 'gonzalez', 'wilson', 'anderson', 'thomas', 'taylor', 'moore', 'jackson', 'martin', 'lee', 'perez', 'thompson', 'white',
  'harris', 'sanchez', 'clark', 'ramirez', 'lewis', 'robinson', 'walker', 'young', 'allen', 'king', 'wright', 'scott', 'torres',
  'nguyen', 'hill', 'flores', 'green', 'adams', 'nelson', 'baker', 'hall', 'rivera', 'campbell', 'mitchell', 'carter', 'roberts'];
const STREETS = ['main street', 'oak avenue', 'pine road', 'maple drive', 'cedar lane', 'elm street', 'park avenue', 'lake road', 'hill drive', 'river lane'];
const CITIES = ['springfield', 'riverton', 'fairview', 'madison', 'georgetown', 'salem', 'franklin', 'clinton', 'arlington', 'ashland'];

function typo(r: () => number, s: string): string {
  const i = 1 + Math.floor(r() * (s.length - 2));
  const op = r();
  if (op < 0.33) return s.slice(0, i) + s.slice(i + 1);
  if (op < 0.66) return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
  return s.slice(0, i) + 'x' + s.slice(i + 1);
}

function population(people: number, seed: number): { records: PersonRecord[]; truth: Map<string, string> } {
  const r = seededRandom(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const records: PersonRecord[] = [];
  const truth = new Map<string, string>();
  for (let p = 0; p < people; p++) {
    const y = 1940 + Math.floor(r() * 60);
    const m = 1 + Math.floor(r() * 12);
    const d = 1 + Math.floor(r() * 28);
    const base = {
      firstName: pick(FIRST),
      lastName: pick(LAST),
      dateOfBirth: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
      streetNumber: String(1 + Math.floor(r() * 300)),
      address1: pick(STREETS),
      city: pick(CITIES),
      postcode: String(10000 + Math.floor(r() * 89999)),
      nationalId: r() < 0.5 ? String(100000000 + Math.floor(r() * 899999999)) : '',
    };
    const id = `p${p}`;
    records.push({ id: `${id}-0`, ...base });
    truth.set(`${id}-0`, id);
    if (r() < 0.4) {
      // one corrupted duplicate: each of a few corruptions at random
      const dup: PersonRecord = { id: `${id}-1`, ...base };
      const ops = 1 + Math.floor(r() * 3);
      for (let k = 0; k < ops; k++) {
        const op = Math.floor(r() * 6);
        if (op === 0) dup.firstName = typo(r, String(dup.firstName));
        else if (op === 1) dup.lastName = typo(r, String(dup.lastName));
        else if (op === 2) [dup.firstName, dup.lastName] = [dup.lastName, dup.firstName];
        else if (op === 3 && d <= 12) dup.dateOfBirth = `${y}-${String(d).padStart(2, '0')}-${String(m).padStart(2, '0')}`;
        else if (op === 4) dup.nationalId = '';
        else dup.streetNumber = '';
      }
      records.push(dup);
      truth.set(dup.id, id);
    }
  }
  return { records, truth };
}

// ---------------------------------------------------------------------------

describe('string comparators', () => {
  it('Jaro and Jaro–Winkler match the published values', () => {
    expect(jaro('MARTHA', 'MARHTA')).toBeCloseTo(0.9444, 4);
    expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('DWAYNE', 'DUANE')).toBeCloseTo(0.84, 4);
    expect(jaroWinkler('DIXON', 'DICKSONX')).toBeCloseTo(0.8133, 4);
    expect(jaroWinkler('same', 'same')).toBe(1);
    expect(jaroWinkler('', 'abc')).toBe(0);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
  });

  it('Jaro–Winkler is symmetric and agrees between its short and long implementations', () => {
    const long = 'x'.repeat(30);
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        expect(jaroWinkler(a, b)).toBeCloseTo(jaroWinkler(b, a), 10);
        // strings over 31 characters take the buffer-based path
        const viaLong = jaro(a + long + 'a', b + long + 'b');
        expect(viaLong).toBeGreaterThanOrEqual(0);
        expect(viaLong).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });

  it('Levenshtein and Damerau–Levenshtein distances', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('flaw', 'lawn')).toBe(2);
    expect(levenshtein('ca', 'ac')).toBe(2);
    expect(damerauLevenshtein('ca', 'ac')).toBe(1);
    expect(damerauLevenshtein('smtih', 'smith')).toBe(1);
    expect(damerauLevenshtein('abcdef', 'uvwxyz', 2)).toBe(3);
  });

  it('withinOneEdit is damerauLevenshtein(a, b) <= 1', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 7 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 7 }), (a, b) => {
        expect(withinOneEdit(a, b)).toBe(damerauLevenshtein(a, b, 1) <= 1);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('phonetic codes', () => {
  it('Soundex codes of known names', () => {
    expect(soundex('Robert')).toBe('R163');
    expect(soundex('Rupert')).toBe('R163');
    expect(soundex('Ashcraft')).toBe('A261');
    expect(soundex('Tymczak')).toBe('T522');
    expect(soundex('Pfister')).toBe('P236');
    expect(soundex('Honeyman')).toBe('H555');
    expect(soundex('Lee')).toBe('L000');
    expect(soundex('')).toBe('');
  });

  it('NYSIIS codes of known names', () => {
    expect(nysiis('Bishop')).toBe('BASAP');
    expect(nysiis('Carlson')).toBe('CARLSAN');
    expect(nysiis('Greene')).toBe('GRAN');
    expect(nysiis('Knight')).toBe('NAGT');
    expect(nysiis('Mitchell')).toBe('MATCAL');
    expect(nysiis('Wheeler')).toBe('WALAR');
    expect(nysiis('Mackenzie')).toBe('MCANSY');
    expect(nysiis('Schmidt')).toBe('SNAD');
    expect(nysiis('Catherine', 6)).toBe(nysiis('Katherine', 6));
  });
});

describe('date and number comparators', () => {
  const d = (year: number, month: number, day: number) => ({ year, month, day });
  it('recognises transposed day and month, single-digit typos and partial agreement', () => {
    expect(compareDates(d(1980, 3, 12), d(1980, 3, 12))).toBe('exact');
    expect(compareDates(d(1980, 3, 12), d(1980, 12, 3))).toBe('close');
    expect(compareDates(d(1980, 3, 12), d(1980, 3, 13))).toBe('close');
    expect(compareDates(d(1980, 3, 12), d(1981, 3, 12))).toBe('close');
    expect(compareDates(d(1980, 3, 12), d(1980, 3, 27))).toBe('partial');
    expect(compareDates(d(1980, 3, 12), d(1980, 0, 0))).toBe('partial');
    expect(compareDates(d(1980, 3, 12), d(1975, 7, 4))).toBe('disagree');
    expect(compareDates(d(0, 0, 0), d(1975, 7, 4))).toBe('missing');
  });

  it('compares numbers with tolerance', () => {
    expect(compareNumbers('12', '12')).toBe('exact');
    expect(compareNumbers('12', '14', 2)).toBe('close');
    expect(compareNumbers('120', '102')).toBe('close');
    expect(compareNumbers('120', '987')).toBe('disagree');
    expect(compareNumbers('1234', '1243')).toBe('close');
  });
});

describe('normalisation', () => {
  it('folds case, accents, punctuation and whitespace', () => {
    expect(normalizeText('  José  MÜLLER-Lüdenscheidt ')).toBe('jose muller ludenscheidt');
    expect(normalizeText('Straße')).toBe('strasse');
    expect(normalizeName("O'Brien")).toBe('obrien');
    expect(normalizeName('Dr. John  Smith Jr.')).toBe('john smith');
    expect(normalizeName('Unknown')).toBe('');
    expect(normalizeName('N/A')).toBe('');
    expect(normalizeStreet('12 Main St.')).toBe('12 main street');
    expect(normalizeStreet('St Kilda Rd')).toBe('saint kilda road');
  });

  it('reads dates in the usual shapes to one canonical form', () => {
    const iso = { year: 1980, month: 3, day: 12 };
    expect(parseDate('1980-03-12')).toEqual(iso);
    expect(parseDate('19800312')).toEqual(iso);
    expect(parseDate('1980-03-12T00:00:00Z')).toEqual(iso);
    expect(parseDate('12/03/1980', 'DMY')).toEqual(iso);
    expect(parseDate('03/12/1980', 'MDY')).toEqual(iso);
    expect(parseDate('25/03/1980', 'MDY')).toEqual({ year: 1980, month: 3, day: 25 });
    expect(parseDate('12 Mar 1980')).toEqual(iso);
    expect(parseDate('March 12, 1980')).toEqual(iso);
    expect(parseDate('1980')).toEqual({ year: 1980, month: 0, day: 0 });
    expect(parseDate('1900-01-01')).toEqual({ year: 0, month: 0, day: 0 });
    expect(parseDate('not a date')).toEqual({ year: 0, month: 0, day: 0 });
  });

  it('normalises identifiers and contact details, dropping placeholders', () => {
    expect(normalizePhone('+1 (555) 123-4567')).toBe(normalizePhone('555.123.4567'));
    expect(normalizePhone('0000000000')).toBe('');
    expect(normalizeEmail(' John.Smith+shop@GoogleMail.com ')).toBe('johnsmith@gmail.com');
    expect(normalizeEmail('noemail@example.com')).toBe('');
    expect(normalizeEmail('not-an-email')).toBe('');
    expect(normalizePostcode('12345-6789')).toBe('12345');
    expect(normalizePostcode('SW1A 1AA')).toBe('sw1a1aa');
    expect(normalizeNationalId('123-45-6789')).toBe('');
    expect(normalizeNationalId('000-00-0000')).toBe('');
    expect(normalizeNationalId('078-05-1120')).toBe('078051120');
  });

  it('fills the date of birth from separate parts and formats it canonically', () => {
    const p = normalizePerson({ id: '1', birthYear: '1980', birthMonth: 'Mar', birthDay: '7', firstName: 'ÉMILE' });
    expect(p.dateOfBirth).toBe('1980-03-07');
    expect(p.firstName).toBe('emile');
    expect(normalizePerson({ id: '2', dateOfBirth: '1980' }).dateOfBirth).toBe('1980');
  });
});

describe('matching rules schema', () => {
  it('has defaults for person data and accepts partial overrides', () => {
    expect(DEFAULT_MATCHING_RULES.rules.map((r) => r.name)).toContain('name-dateOfBirth');
    expect(DEFAULT_MATCHING_RULES.probabilistic.enabled).toBe(true);
    const rules = parseMatchingRules({ probabilistic: { threshold: 0.8 } });
    expect(rules.probabilistic.threshold).toBe(0.8);
    expect(rules.blocking.passes.length).toBe(DEFAULT_MATCHING_RULES.blocking.passes.length);
  });

  it('rejects an unknown field, an unknown comparator and unknown keys', () => {
    expect(matchingRulesSchema.safeParse({ rules: [{ name: 'r1', conditions: [{ field: 'favouriteColour', comparator: 'exact' }] }] }).success).toBe(false);
    expect(() => parseMatchingRules({ rules: [{ name: 'r1', conditions: [{ field: 'shoeSize' }] }] })).toThrow(/unknown person field "shoeSize"/);
    expect(matchingRulesSchema.safeParse({ probabilistic: { fields: ['firstName', 'nickname'] } }).success).toBe(false);
    expect(matchingRulesSchema.safeParse({ blocking: { passes: [{ name: 'b', keys: [{ field: 'eyeColour' }] }] } }).success).toBe(false);
    expect(matchingRulesSchema.safeParse({ rules: [{ name: 'r1', conditions: [{ field: 'email', comparator: 'jaccard' }] }] }).success).toBe(false);
    expect(matchingRulesSchema.safeParse({ probabilistic: { treshold: 0.5 } }).success).toBe(false);
    expect(matchingRulesSchema.safeParse({ rules: [{ name: 'a/b', conditions: [{ field: 'email' }] }] }).success).toBe(false);
  });

  it('turns a rule into an Entity Resolution condition', () => {
    expect(
      toEntityResolutionCondition({
        name: 'r',
        conditions: [
          { field: 'nationalId', comparator: 'exact' },
          { field: 'lastName', comparator: 'levenshtein', threshold: 2 },
          { field: 'firstName', comparator: 'soundex' },
          { field: 'city', comparator: 'cosine' },
        ],
      }),
    ).toBe('Exact(nationalId) AND Levenshtein(lastName, 2) AND Soundex(firstName) AND Cosine(city, 90)');
  });
});

describe('blocking', () => {
  it('brings nearly every corrupted true pair into some block while comparing few pairs', () => {
    const { records, truth } = population(600, 1);
    const people = records.map((r) => normalizePerson(r));
    const { pairs } = generateCandidates(people, DEFAULT_MATCHING_RULES);
    const n = records.length;
    const candidates = new Set(pairs);
    let truePairs = 0;
    let found = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (truth.get(records[i]!.id) !== truth.get(records[j]!.id)) continue;
        truePairs++;
        if (candidates.has(i * n + j)) found++;
      }
    }
    expect(truePairs).toBeGreaterThan(150);
    expect(found / truePairs).toBeGreaterThanOrEqual(0.99);
    expect(pairs.length).toBeLessThan((n * (n - 1)) / 2 / 10);
  });

  it('does not compare an oversized block all-pairs', () => {
    const records: PersonRecord[] = Array.from({ length: 400 }, (_, i) => ({ id: String(i), firstName: 'john', lastName: 'smith', city: 'springfield' }));
    const people = records.map((r) => normalizePerson(r));
    const { pairs, passes } = generateCandidates(people, DEFAULT_MATCHING_RULES);
    expect(passes.find((p) => p.name === 'names-phonetic')!.oversizedBlocks).toBe(1);
    expect(pairs.length).toBeLessThan(400 * 20);
  });
});

describe('matchPeople', () => {
  const background = population(300, 7).records;

  it('matches a typo’d duplicate but not a different person with the same common name and city', () => {
    const records: PersonRecord[] = [
      ...background,
      { id: 'A', firstName: 'John', lastName: 'Smith', dateOfBirth: '1980-03-12', streetNumber: '12', address1: 'Main Street', city: 'Springfield', postcode: '12345' },
      { id: 'A-typo', firstName: 'Jonh', lastName: 'Smith', dateOfBirth: '12/03/1980', streetNumber: '12', address1: 'Main St', city: 'Springfield', postcode: '12345' },
      { id: 'B', firstName: 'John', lastName: 'Smith', dateOfBirth: '1975-07-04', streetNumber: '88', address1: 'Oak Avenue', city: 'Springfield', postcode: '12399' },
    ];
    const result = matchPeople(records, { normalization: { dateOrder: 'DMY' } });
    expect(result.clusterIds.get('A-typo')).toBe(result.clusterIds.get('A'));
    expect(result.clusterIds.get('B')).not.toBe(result.clusterIds.get('A'));
    const why = result.explain('A', 'A-typo')!;
    expect(why.probability).toBeGreaterThan(0.5);
    expect(why.features.find((f) => f.name === 'firstName')!.level).toBe('close');
    expect(result.explain('A', 'B')!.probability).toBeLessThan(0.5);
  });

  it('finds most duplicates of a small corrupted population with few false matches', () => {
    const { records, truth } = population(300, 3);
    const result = matchPeople(records);
    const m = pairwiseMetrics(result.clusterIds, truth);
    expect(m.recall).toBeGreaterThan(0.9);
    expect(m.precision).toBeGreaterThan(0.9);
    expect(result.stats.comparedPairs).toBeLessThan(result.stats.candidatePairs + 1);
    expect(result.stats.clusterSizeHistogram[1]).toBeGreaterThan(0);
    expect(Object.entries(result.stats.clusterSizeHistogram).reduce((s, [size, count]) => s + Number(size) * count, 0)).toBe(records.length);
  });

  it('links by a deterministic rule even when the scorer alone would not', () => {
    const records: PersonRecord[] = [
      ...background,
      { id: 'X1', firstName: 'Alice', lastName: 'Walker', nationalId: '518-22-9041', dateOfBirth: '1961-05-05' },
      { id: 'X2', firstName: 'Alicia', lastName: 'Brennan', nationalId: '518229041', dateOfBirth: '1961-05-05' },
    ];
    const result = matchPeople(records, { probabilistic: { enabled: false } });
    expect(result.clusterIds.get('X2')).toBe(result.clusterIds.get('X1'));
    expect(result.stats.ruleMatchedPairs['nationalId-dateOfBirth']).toBeGreaterThanOrEqual(1);
    expect(result.explain('X1', 'X2')!.rules).toEqual(['nationalId-dateOfBirth']);
  });

  it('ignores a rule key shared by too many records (a placeholder)', () => {
    const records: PersonRecord[] = Array.from({ length: 30 }, (_, i) => ({
      id: `r${i}`,
      firstName: FIRST[i % FIRST.length],
      lastName: LAST[i % LAST.length],
      email: 'family@example.org.uk',
    }));
    const result = matchPeople(records, {
      rules: [{ name: 'email', conditions: [{ field: 'email' }] }],
      probabilistic: { enabled: false },
      blocking: { maxRuleGroupSize: 10 },
    });
    expect(result.stats.clusters).toBe(30);
  });

  it('does not chain A~B~C into one cluster when A and C clearly disagree', () => {
    // B shares the name and town with both but has no date of birth or address;
    // A and C are clearly different people.
    const records: PersonRecord[] = [
      ...background,
      { id: 'A', firstName: 'Maria', lastName: 'Kowalski', dateOfBirth: '1950-02-14', streetNumber: '4', address1: 'Elm Street', city: 'Riverton', postcode: '55001', nationalId: '612-44-1908', email: 'maria.k@mail.net' },
      { id: 'B', firstName: 'Maria', lastName: 'Kowalski', city: 'Riverton', postcode: '55001' },
      { id: 'C', firstName: 'Maria', lastName: 'Kowalski', dateOfBirth: '1994-11-30', streetNumber: '210', address1: 'Lake Road', city: 'Riverton', postcode: '55001', nationalId: '733-10-5521', email: 'mkowalski94@post.org' },
    ];
    // B alone is a plausible match for each of them...
    const result = matchPeople(records);
    expect(result.explain('A', 'B')!.probability).toBeGreaterThan(0.5);
    expect(result.explain('B', 'C')!.probability).toBeGreaterThan(0.5);
    expect(result.explain('A', 'C')!.probability).toBeLessThan(1e-6);
    // ...so connected components chain all three, coherent clustering does not
    const chained = matchPeople(records, { clustering: { method: 'connected' } });
    expect(chained.clusterIds.get('C')).toBe(chained.clusterIds.get('A'));
    expect(result.clusterIds.get('A')).not.toBe(result.clusterIds.get('C'));
    expect([result.clusterIds.get('A'), result.clusterIds.get('C')]).toContain(result.clusterIds.get('B'));
    expect(result.stats.refusedMerges).toBeGreaterThanOrEqual(1);
  });

  it('is deterministic and rejects duplicate ids', () => {
    const { records } = population(120, 5);
    const a = matchPeople(records);
    const b = matchPeople([...records]);
    expect([...a.clusterIds]).toEqual([...b.clusterIds]);
    expect(() => matchPeople([{ id: '1' }, { id: '1' }])).toThrow(/duplicate record id/);
    expect(matchPeople([]).stats.clusters).toBe(0);
    expect(matchPeople([{ id: 'only' }]).clusterIds.get('only')).toBe('only');
  });
});

describe('coherent clustering', () => {
  it('refuses a merge when any cross pair clearly disagrees, where connected components would chain', () => {
    // edges A-B and B-C score high, A-C is a clear non-match
    const scores: Record<string, number> = { '0-1': 20, '1-2': 18, '0-2': -30 };
    const score = (x: number, y: number): number => scores[`${Math.min(x, y)}-${Math.max(x, y)}`]!;
    const edgesA = Int32Array.from([0, 1]);
    const edgesB = Int32Array.from([1, 2]);
    const order = Uint32Array.from([0, 1]);
    const coherent = new Clusters(3);
    const refused = mergeCoherently(coherent, edgesA, edgesB, order, score, { minPairWeight: -13, minAverageWeight: 0 });
    expect(refused).toBe(1);
    expect(coherent.find(0)).toBe(coherent.find(1));
    expect(coherent.find(2)).not.toBe(coherent.find(0));

    const connected = new Clusters(3);
    connected.union(0, 1);
    connected.union(1, 2);
    expect(connected.find(2)).toBe(connected.find(0));
  });

  it('merges when the clusters agree on average and no pair is a clear non-match', () => {
    const score = (x: number, y: number): number => (x + y === 2 && x !== y ? -2 : 15);
    const clusters = new Clusters(3);
    mergeCoherently(clusters, Int32Array.from([0, 1]), Int32Array.from([1, 2]), Uint32Array.from([0, 1]), score, { minPairWeight: -13, minAverageWeight: 0 });
    expect(clusters.find(2)).toBe(clusters.find(0));
  });
});

describe('pairwiseMetrics', () => {
  it('counts precision, recall and F1 over all record pairs', () => {
    // predicted clusters {a,b,c} {d}; truth {a,b} {c,d}
    // predicted pairs ab, ac, bc; true pairs ab, cd; correct: ab
    const m = pairwiseMetrics(new Map(Object.entries({ a: '1', b: '1', c: '1', d: '2' })), { a: 'x', b: 'x', c: 'y', d: 'y' });
    expect(m.predictedPairs).toBe(3);
    expect(m.truePairs).toBe(2);
    expect(m.truePositives).toBe(1);
    expect(m.precision).toBeCloseTo(1 / 3, 10);
    expect(m.recall).toBeCloseTo(1 / 2, 10);
    expect(m.f1).toBeCloseTo(0.4, 10);
    expect(m.records).toBe(4);
  });

  it('treats no predicted pairs as perfect precision and handles labels that collide as text', () => {
    const m = pairwiseMetrics({ a: 'a', b: 'b' }, { a: 'x', b: 'x' });
    expect(m.precision).toBe(1);
    expect(m.recall).toBe(0);
    expect(m.f1).toBe(0);
    // cluster "1" with truth "2:3" must not collide with cluster "1:2" with truth "3"
    const n = pairwiseMetrics({ a: '1', b: '1', c: '1:2', d: '1:2' }, { a: '2:3', b: '2:3', c: '3', d: '3' });
    expect(n.truePositives).toBe(2);
  });
});
