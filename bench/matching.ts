/**
 * Benchmark of the built-in batch person matcher.
 *
 * - FEBRL 3 (5,000 records, 6,538 true pairs) and RLdata10000 (10,000 German
 *   records, 1,000 true pairs): pairwise precision, recall and F1 over ALL
 *   record pairs, and records/s. The files are read from the shared datasets
 *   folder (`../shared/datasets` next to the repository by default); they are
 *   benchmark inputs only and never copied into the repository.
 * - A synthetic 100,000-record set (faker people, corruption model "tune"):
 *   seconds to match (target ≤ 60 s on two cores), records/s, F1.
 * - A synthetic hold-out set made with a different corruption model, locales
 *   and duplicate distribution ("holdout"), to check that the matcher was not
 *   tuned to the other sets.
 * - Few-field variants derived from the public files, for person data that has
 *   only a name, a date of birth and a place: RLdata and FEBRL 3 with the name
 *   parts joined into one `fullName` column, written in the usual shapes
 *   ("Given Middle Family", "Family, Given", "FAMILY Given", with a title)
 *   chosen per record, so a duplicate is often written differently from its
 *   original; and FEBRL 3 reduced to full name, date of birth and a place
 *   (its suburb standing in for the birthplace).
 *
 * Run directly: `npx tsx bench/matching.ts [datasetsDir]` prints a table.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Faker, base, de, en, en_AU, en_GB, en_US, es, fr, it } from '@faker-js/faker';
import { parseFieldMap, readPeopleCsv } from '../bin/commands/resolve';
import type { MatchingRulesInput } from '../lambda/config/unification/matching';
import type { PersonRecord } from '../lambda/config/unification/person-fields';
import { matchPeople, pairwiseMetrics } from '../lambda/unification/core/matching';
import { seededRandom } from '../lambda/shared/random';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  workload: string;
  target?: string;
}

interface Labelled {
  records: PersonRecord[];
  truth: Map<string, string>;
}

// ---------------------------------------------------------------------------
// Public benchmark datasets

const FEBRL_MAP =
  'given_name=firstName,surname=lastName,street_number=streetNumber,address_1=address1,address_2=address2,' +
  'suburb=city,postcode=postcode,state=state,date_of_birth=dateOfBirth,soc_sec_id=nationalId';
const RLDATA_MAP = 'fname_c1=firstName,fname_c2=middleName,lname_c1=lastName,lname_c2=lastName,by=birthYear,bm=birthMonth,bd=birthDay';

/** FEBRL 3: the truth is the N of `rec-N-org` / `rec-N-dup-k`. */
export async function loadFebrl3(datasetsDir: string): Promise<Labelled> {
  const { records } = await readPeopleCsv(join(datasetsDir, 'febrl3', 'dataset3.csv'), { idColumn: 'rec_id', map: parseFieldMap(FEBRL_MAP) });
  const truth = new Map(records.map((r) => [r.id, /^rec-(\d+)-/.exec(r.id)?.[1] ?? r.id]));
  return { records, truth };
}

/** RLdata10000: the truth is ent_id. */
export async function loadRldata(datasetsDir: string): Promise<Labelled> {
  const { records, truth } = await readPeopleCsv(join(datasetsDir, 'rldata', 'RLdata10000.csv'), {
    idColumn: 'rec_id',
    truthColumn: 'ent_id',
    map: parseFieldMap(RLDATA_MAP),
  });
  return { records, truth: truth! };
}

/** "MUELLER" → "Mueller", "van der berg" → "Van Der Berg". */
function titleCase(s: string): string {
  return s.toLowerCase().replace(/(^|[\s-])(\p{L})/gu, (_, sep: string, ch: string) => sep + ch.toUpperCase());
}

const NAME_TITLES = ['Dr.', 'Prof.', 'Dr', 'Prof. Dr.'];

/**
 * A record's name parts joined into one full name, in one of the shapes full
 * names come in, picked at random (seeded): the parser has to undo them all.
 */
function joinName(r: Rand, rec: PersonRecord): string {
  const text = (v: PersonRecord[keyof PersonRecord]): string => (v === null || v === undefined ? '' : String(v).trim());
  const given = [text(rec.firstName), text(rec.middleName)].filter((x) => x !== '').join(' ');
  const family = text(rec.lastName);
  if (given === '' || family === '') return given || family;
  const shape = r();
  if (shape < 0.4) return `${given} ${family}`;
  if (shape < 0.65) return `${family}, ${given}`;
  if (shape < 0.85) return `${family.toUpperCase()} ${titleCase(given)}`;
  return `${pick(r, NAME_TITLES)} ${titleCase(given)} ${titleCase(family)}`;
}

/** The same records with the name parts replaced by one `fullName`; `keep` picks the other fields kept. */
export function withFullName(data: Labelled, seed: number, keep?: (rec: PersonRecord) => PersonRecord): Labelled {
  const r = seededRandom(seed);
  const records = data.records.map((rec) => {
    const { firstName: _f, middleName: _m, lastName: _l, ...rest } = keep ? keep(rec) : rec;
    const fullName = joinName(r, rec);
    return fullName === '' ? rest : { ...rest, fullName };
  });
  return { records, truth: data.truth };
}

// ---------------------------------------------------------------------------
// Synthetic people with a corruption model


interface Person {
  first: string;
  middle: string;
  last: string;
  y: number;
  m: number;
  d: number;
  num: string;
  street: string;
  addr2: string;
  city: string;
  postcode: string;
  state: string;
  country: string;
  ssn: string;
  email: string;
  phone: string;
}

type Rand = () => number;
const pick = <T,>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** One random edit: insert, delete, substitute or swap two adjacent letters. */
function typo(r: Rand, s: string): string {
  if (s.length < 2) return s + pick(r, [...LETTERS]);
  const i = Math.floor(r() * s.length);
  const op = r();
  if (op < 0.25) return s.slice(0, i) + pick(r, [...LETTERS]) + s.slice(i);
  if (op < 0.5) return s.slice(0, i) + s.slice(i + 1);
  if (op < 0.75) return s.slice(0, i) + pick(r, [...LETTERS]) + s.slice(i + 1);
  const j = Math.min(i + 1, s.length - 1);
  return j === i ? s : s.slice(0, i) + s[j] + s[i] + s.slice(j + 1);
}

const KEYBOARD: Record<string, string> = {
  a: 'qsz', b: 'vgn', c: 'xdv', d: 'sfe', e: 'wrd', f: 'dgr', g: 'fht', h: 'gjy', i: 'uok', j: 'hku', k: 'jli', l: 'ko',
  m: 'nj', n: 'bmh', o: 'ipl', p: 'ol', q: 'wa', r: 'etf', s: 'adw', t: 'ryg', u: 'yij', v: 'cbf', w: 'qes', x: 'zcs', y: 'tuh', z: 'xa',
};

/** A neighbouring key hit instead of the right one. */
function keyboardTypo(r: Rand, s: string): string {
  const idx = [...s].map((ch, i) => (KEYBOARD[ch.toLowerCase()] ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0) return s;
  const i = pick(r, idx);
  const near = KEYBOARD[s[i]!.toLowerCase()]!;
  return s.slice(0, i) + pick(r, [...near]) + s.slice(i + 1);
}

const OCR: Array<[RegExp, string]> = [
  [/m/, 'rn'], [/rn/, 'm'], [/d/, 'cl'], [/w/, 'vv'], [/u/, 'ii'], [/o/, '0'], [/l/, '1'], [/e/, 'c'], [/h/, 'b'],
];
const PHONETIC: Array<[RegExp, string]> = [
  [/ph/, 'f'], [/f/, 'ph'], [/ck/, 'k'], [/c(?=[aou])/, 'k'], [/k/, 'c'], [/y$/, 'ie'], [/ie$/, 'y'], [/i/, 'y'],
  [/([a-z])\1/, '$1'], [/([lnrst])/, '$1$1'], [/s/, 'z'], [/ei/, 'ie'], [/th/, 't'], [/ou/, 'u'],
];

function applyOne(r: Rand, s: string, rules: Array<[RegExp, string]>): string {
  const lower = s.toLowerCase();
  const usable = rules.filter(([re]) => re.test(lower));
  if (usable.length === 0) return typo(r, lower);
  const [re, to] = pick(r, usable);
  return lower.replace(re, to);
}

const NICKNAMES: Record<string, string[]> = {
  william: ['bill', 'will', 'billy'], robert: ['bob', 'rob', 'bobby'], richard: ['rick', 'dick', 'rich'], james: ['jim', 'jimmy'],
  john: ['jack', 'johnny'], michael: ['mike', 'mikey'], elizabeth: ['liz', 'beth', 'betty'], margaret: ['maggie', 'peggy', 'meg'],
  katherine: ['kate', 'kathy'], catherine: ['cathy', 'kate'], thomas: ['tom', 'tommy'], joseph: ['joe', 'joey'], charles: ['charlie', 'chuck'],
  christopher: ['chris'], daniel: ['dan', 'danny'], matthew: ['matt'], anthony: ['tony'], jennifer: ['jen', 'jenny'], patricia: ['pat', 'patty'],
  susan: ['sue', 'susie'], deborah: ['debbie', 'deb'], edward: ['ed', 'eddie', 'ted'], samuel: ['sam'], benjamin: ['ben'], alexander: ['alex'],
  nicholas: ['nick'], jonathan: ['jon'], rebecca: ['becky'], victoria: ['vicky'], timothy: ['tim'], kenneth: ['ken'], donald: ['don'],
  stephen: ['steve'], steven: ['steve'], gregory: ['greg'], douglas: ['doug'], andrew: ['andy', 'drew'], jessica: ['jess'], pamela: ['pam'],
};

const STREET_ABBREV: Array<[RegExp, string]> = [
  [/\bStreet\b/, 'St'], [/\bAvenue\b/, 'Ave'], [/\bRoad\b/, 'Rd'], [/\bDrive\b/, 'Dr'], [/\bLane\b/, 'Ln'], [/\bCourt\b/, 'Ct'],
  [/\bBoulevard\b/, 'Blvd'], [/\bPlace\b/, 'Pl'], [/\bTerrace\b/, 'Tce'], [/\bNorth\b/, 'N'], [/\bSouth\b/, 'S'],
];

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const p2 = (n: number): string => String(n).padStart(2, '0');

function asciiLower(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

export type CorruptionModel = 'tune' | 'holdout';

/**
 * Synthetic person records with known truth. `tune` (US people; typos,
 * nicknames, swapped names, missing fields, transposed dates, moves) is the
 * set the defaults were developed on; `holdout` differs in everything it can:
 * locales (German, French, Spanish, Italian, British, Australian), a skewed
 * duplicate distribution, other errors (OCR, phonetic respellings, keyboard
 * slips, initials, middle name as first name, double-barrelled surnames, year
 * only or other date formats, house number inside the street line, accents,
 * upper case) and more missing data. Both include households (relatives
 * sharing surname, address and phone) and a few twins, the classic false
 * positives.
 */
export function syntheticPeople(options: { records: number; seed: number; model: CorruptionModel }): Labelled {
  const { records: target, seed, model } = options;
  const r = seededRandom(seed);
  const locales = model === 'tune' ? [[en_US, en, base]] : [[de, en, base], [fr, en, base], [es, en, base], [it, en, base], [en_GB, en, base], [en_AU, en, base]];
  const fakers = locales.map((l, i) => {
    const f = new Faker({ locale: l });
    f.seed(seed * 31 + i);
    return f;
  });
  const countryOf = model === 'tune' ? ['US'] : ['Germany', 'FR', 'Spain', 'Italia', 'United Kingdom', 'AUS'];
  const people: Person[] = [];
  const localeOf: number[] = [];
  const out: PersonRecord[] = [];
  const labels: string[] = [];
  const truth = new Map<string, string>();
  const holdout = model === 'holdout';

  const newPerson = (li: number): Person => {
    const f = fakers[li]!;
    const sex = r() < 0.5 ? 'female' : 'male';
    const y = 1930 + Math.floor(r() * 77);
    const m = 1 + Math.floor(r() * 12);
    const d = 1 + Math.floor(r() * DAYS_IN_MONTH[m - 1]!);
    const first = f.person.firstName(sex);
    const last = f.person.lastName();
    const domain = pick(r, ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'proton.me', 'web.de', 'orange.fr']);
    return {
      first,
      middle: r() < (holdout ? 0.3 : 0.45) ? f.person.firstName(sex) : '',
      last,
      y,
      m,
      d,
      num: f.location.buildingNumber(),
      street: f.location.street(),
      addr2: r() < 0.2 ? f.location.secondaryAddress() : '',
      city: f.location.city(),
      postcode: f.location.zipCode(),
      state: f.location.state({ abbreviated: true }),
      country: countryOf[li]!,
      ssn: r() < (holdout ? 0.4 : 0.65) ? String(100000000 + Math.floor(r() * 899999999)) : '',
      email: r() < (holdout ? 0.5 : 0.6) ? `${asciiLower(first)}${pick(r, ['.', '_', ''])}${asciiLower(last)}${r() < 0.5 ? Math.floor(r() * 100) : ''}@${domain}` : '',
      phone: r() < (holdout ? 0.5 : 0.6) ? String(2000000000 + Math.floor(r() * 7999999999)) : '',
    };
  };

  const render = (p: Person, li: number): PersonRecord => {
    const rec: PersonRecord = { id: '' };
    rec.firstName = p.first;
    rec.middleName = p.middle;
    rec.lastName = p.last;
    if (p.y > 0 && (p.m === 0 || p.d === 0)) rec.birthYear = p.y;
    else if (p.y > 0) {
      if (!holdout) rec.dateOfBirth = `${p.y}-${p2(p.m)}-${p2(p.d)}`;
      else {
        const fmt = r();
        if (fmt < 0.1) rec.birthYear = p.y;
        else if (fmt < 0.35) rec.dateOfBirth = `${p.d} ${MONTH_NAMES[p.m - 1]} ${p.y}`;
        else if (fmt < 0.55) rec.dateOfBirth = li === 0 || li >= 4 ? `${p2(p.d)}.${p2(p.m)}.${p.y}` : `${p.y}${p2(p.m)}${p2(p.d)}`;
        else rec.dateOfBirth = `${p.y}-${p2(p.m)}-${p2(p.d)}`;
      }
    }
    rec.streetNumber = p.num;
    rec.address1 = p.street;
    rec.address2 = p.addr2;
    rec.city = p.city;
    rec.postcode = p.postcode;
    rec.state = p.state;
    rec.country = p.country;
    rec.nationalId = p.ssn === '' ? '' : r() < 0.5 ? `${p.ssn.slice(0, 3)}-${p.ssn.slice(3, 5)}-${p.ssn.slice(5)}` : p.ssn;
    rec.email = p.email;
    rec.phone =
      p.phone === '' ? '' : r() < 0.5 ? `(${p.phone.slice(0, 3)}) ${p.phone.slice(3, 6)}-${p.phone.slice(6)}` : holdout && r() < 0.5 ? `+1 ${p.phone}` : p.phone;
    return rec;
  };

  const corruptTune = (p: Person, li: number): Person => {
    const q = { ...p };
    const f = fakers[li]!;
    const n = pick(r, [0, 1, 1, 1, 2, 2, 2, 3, 3, 4]);
    for (let k = 0; k < n; k++) {
      const op = Math.floor(r() * 14);
      switch (op) {
        case 0:
          q.first = typo(r, q.first.toLowerCase());
          break;
        case 1:
          q.last = typo(r, q.last.toLowerCase());
          break;
        case 2: {
          const nick = NICKNAMES[q.first.toLowerCase()];
          q.first = nick ? pick(r, nick) : typo(r, q.first.toLowerCase());
          break;
        }
        case 3:
          [q.first, q.last] = [q.last, q.first];
          break;
        case 4: {
          const field = pick(r, ['middle', 'email', 'phone', 'ssn', 'addr2', 'num', 'first', 'last', 'postcode', 'city'] as const);
          q[field] = '';
          break;
        }
        case 5:
          if (q.d <= 12 && q.d !== q.m) [q.m, q.d] = [q.d, q.m];
          else q.d = Math.min(28, Math.max(1, q.d + (r() < 0.5 ? 1 : -1)));
          break;
        case 6:
          q.y += r() < 0.5 ? 1 : -1;
          break;
        case 7:
          if (q.ssn) q.ssn = q.ssn.slice(0, 8) + String((Number(q.ssn[8]) + 1) % 10);
          break;
        case 8:
          q.street = typo(r, q.street);
          break;
        case 9:
          for (const [re, to] of STREET_ABBREV) q.street = q.street.replace(re, to);
          break;
        case 10: // moved house
          q.num = f.location.buildingNumber();
          q.street = f.location.street();
          q.addr2 = '';
          q.city = f.location.city();
          q.postcode = f.location.zipCode();
          q.state = f.location.state({ abbreviated: true });
          if (r() < 0.5) q.phone = '';
          break;
        case 11:
          if (q.phone) q.phone = typo(r, q.phone).replace(/[a-z]/g, '5');
          break;
        case 12:
          if (q.email) q.email = r() < 0.5 ? typo(r, q.email) : `${asciiLower(q.first)}${Math.floor(r() * 1000)}@gmail.com`;
          break;
        case 13: // married: new surname
          if (r() < 0.5) q.last = f.person.lastName();
          else q.middle = typo(r, q.middle);
          break;
      }
    }
    return q;
  };

  const corruptHoldout = (p: Person, li: number): Person => {
    const q = { ...p };
    const f = fakers[li]!;
    const n = pick(r, [0, 1, 1, 2, 2, 2, 3, 3, 4, 5]);
    for (let k = 0; k < n; k++) {
      const op = Math.floor(r() * 16);
      switch (op) {
        case 0:
          q.first = applyOne(r, q.first, OCR);
          break;
        case 1:
          q.last = applyOne(r, q.last, PHONETIC);
          break;
        case 2:
          q.first = keyboardTypo(r, q.first);
          break;
        case 3:
          q.first = q.first.slice(0, 1) + (r() < 0.5 ? '.' : '');
          break;
        case 4:
          if (q.middle) [q.first, q.middle] = [q.middle, r() < 0.5 ? q.first : ''];
          else q.last = keyboardTypo(r, q.last);
          break;
        case 5:
          q.last = r() < 0.5 ? `${q.last}-${f.person.lastName()}` : `${f.person.lastName()} ${q.last}`;
          break;
        case 6:
          q.m = 0;
          q.d = 0;
          break;
        case 7:
          q.y = q.y + pick(r, [-10, 10, -100, 1, -1]);
          break;
        case 8:
          q.d = 1 + Math.floor(r() * 28);
          break;
        case 9:
          q.street = `${q.num} ${q.street}`;
          q.num = '';
          break;
        case 10:
          q.addr2 = '';
          q.postcode = /^\d{5}$/.test(q.postcode) && r() < 0.5 ? `${q.postcode}-${String(Math.floor(r() * 9000) + 1000)}` : q.postcode;
          break;
        case 11:
          q.first = q.first.toUpperCase();
          q.last = q.last.toUpperCase().replace(/E/, 'É');
          break;
        case 12:
          if (q.email) q.email = q.email.replace('@', `+${pick(r, ['shop', 'news', 'x'])}@`).toUpperCase();
          break;
        case 13: {
          const field = pick(r, ['middle', 'email', 'phone', 'ssn', 'street', 'city', 'postcode', 'state', 'first'] as const);
          q[field] = '';
          break;
        }
        case 14:
          if (q.ssn) q.ssn = q.ssn.slice(0, 3) + q.ssn[4] + q.ssn[3] + q.ssn.slice(5);
          break;
        case 15: // moved
          q.num = f.location.buildingNumber();
          q.street = f.location.street();
          q.city = f.location.city();
          q.postcode = f.location.zipCode();
          break;
      }
    }
    return q;
  };

  const dupWeights = holdout ? [0.72, 0.12, 0.06, 0.04, 0.03, 0.02, 0.01] : [0.6, 0.25, 0.1, 0.05];
  let entity = 0;
  while (out.length < target) {
    const li = Math.floor(r() * fakers.length);
    let p: Person;
    if (people.length > 10 && r() < 0.12) {
      // a relative of an earlier person: same surname, address and often phone
      const rel = Math.floor(r() * people.length);
      const other = people[rel]!;
      const q = newPerson(localeOf[rel]!);
      const twin = r() < 0.03;
      p = {
        ...q,
        last: other.last,
        num: other.num,
        street: other.street,
        addr2: other.addr2,
        city: other.city,
        postcode: other.postcode,
        state: other.state,
        country: other.country,
        phone: r() < 0.5 ? other.phone : q.phone,
        ...(twin ? { y: other.y, m: other.m, d: other.d } : {}),
      };
      localeOf.push(localeOf[rel]!);
    } else {
      p = newPerson(li);
      localeOf.push(li);
    }
    people.push(p);
    const loc = localeOf[localeOf.length - 1]!;
    let u = r();
    let dups = 0;
    while (dups < dupWeights.length - 1 && u > dupWeights[dups]!) {
      u -= dupWeights[dups]!;
      dups++;
    }
    const id = `e${entity++}`;
    for (let k = 0; k <= dups && out.length < target; k++) {
      const version = k === 0 ? p : holdout ? corruptHoldout(p, loc) : corruptTune(p, loc);
      out.push(render(version, loc));
      labels.push(id);
    }
  }
  // shuffle (records and their entity labels together), then number the records
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
    [labels[i], labels[j]] = [labels[j]!, labels[i]!];
  }
  out.forEach((rec, i) => {
    rec.id = `s${i}`;
    truth.set(rec.id, labels[i]!);
  });
  return { records: out, truth };
}

// ---------------------------------------------------------------------------

function timeMatch(data: Labelled, rules?: MatchingRulesInput) {
  const t0 = performance.now();
  const result = matchPeople(data.records, rules);
  const seconds = (performance.now() - t0) / 1000;
  return { result, seconds, metrics: pairwiseMetrics(result.clusterIds, data.truth) };
}

function qualityRows(name: string, workload: string, data: Labelled, f1Target?: string): BenchResult[] {
  const { seconds, metrics } = timeMatch(data);
  return [
    { name: `${name} precision`, value: metrics.precision, unit: 'ratio', workload },
    { name: `${name} recall`, value: metrics.recall, unit: 'ratio', workload },
    { name: `${name} F1`, value: metrics.f1, unit: 'ratio', workload, ...(f1Target ? { target: f1Target } : {}) },
    { name: `${name} throughput`, value: data.records.length / seconds, unit: 'records/s', workload },
  ];
}

export async function benchMatching(opts: { datasetsDir: string }): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  const febrlFile = join(opts.datasetsDir, 'febrl3', 'dataset3.csv');
  if (existsSync(febrlFile)) {
    const data = await loadFebrl3(opts.datasetsDir);
    const workload = `FEBRL 3: ${data.records.length} records, pairwise over all pairs`;
    rows.push(...qualityRows('febrl3', workload, data, '>= 0.99'));
    const baseline = timeMatch(data, { probabilistic: { enabled: false } });
    rows.push({ name: 'febrl3 F1, deterministic rules only (reference)', value: baseline.metrics.f1, unit: 'ratio', workload });
    rows.push(...qualityRows('febrl3-fullname', 'FEBRL 3, given name and surname joined into one full-name column in mixed shapes', withFullName(data, 3)));
    const fewFields = withFullName(data, 5, (rec) => ({
      id: rec.id,
      firstName: rec.firstName,
      lastName: rec.lastName,
      dateOfBirth: rec.dateOfBirth,
      birthplace: rec.city,
    }));
    rows.push(...qualityRows('febrl3-few-fields', 'FEBRL 3 reduced to a full name, the date of birth and a place (suburb as birthplace)', fewFields));
  }
  const rlFile = join(opts.datasetsDir, 'rldata', 'RLdata10000.csv');
  if (existsSync(rlFile)) {
    const data = await loadRldata(opts.datasetsDir);
    const workload = `RLdata10000: ${data.records.length} records, pairwise over all pairs`;
    rows.push(...qualityRows('rldata', workload, data, '>= 0.98'));
    const baseline = timeMatch(data, { probabilistic: { enabled: false } });
    rows.push({ name: 'rldata F1, deterministic rules only (reference)', value: baseline.metrics.f1, unit: 'ratio', workload });
    const full = withFullName(data, 1);
    rows.push(...qualityRows('rldata-fullname', 'RLdata10000, name parts joined into one full-name column in mixed shapes, birth y/m/d', full));
  }
  {
    const data = syntheticPeople({ records: 100_000, seed: 7, model: 'tune' });
    const workload = `synthetic: 100,000 faker people, corruption model "tune"`;
    const { seconds, metrics } = timeMatch(data);
    rows.push({ name: 'synthetic-100k match time', value: seconds, unit: 's', workload, target: '<= 60' });
    rows.push({ name: 'synthetic-100k throughput', value: data.records.length / seconds, unit: 'records/s', workload });
    rows.push({ name: 'synthetic-100k precision', value: metrics.precision, unit: 'ratio', workload });
    rows.push({ name: 'synthetic-100k recall', value: metrics.recall, unit: 'ratio', workload });
    rows.push({ name: 'synthetic-100k F1', value: metrics.f1, unit: 'ratio', workload });
  }
  {
    const data = syntheticPeople({ records: 30_000, seed: 11, model: 'holdout' });
    const workload = `synthetic hold-out: 30,000 people, other locales, errors and duplicate distribution`;
    rows.push(...qualityRows('synthetic-holdout', workload, data));
  }
  return rows;
}

/** The shared datasets folder: `../shared/datasets` relative to the repository root. */
export function defaultDatasetsDir(): string {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  return resolve(repoRoot, '..', 'shared', 'datasets');
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const datasetsDir = process.argv[2] ? resolve(process.argv[2]) : defaultDatasetsDir();
  const rows = await benchMatching({ datasetsDir });
  const fmt = (r: BenchResult): string => (r.unit === 'ratio' ? r.value.toFixed(4) : r.unit === 's' ? r.value.toFixed(2) : Math.round(r.value).toLocaleString('en-US'));
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    console.log(`${r.name.padEnd(width)}  ${fmt(r).padStart(10)} ${r.unit.padEnd(9)} ${(r.target ? `target ${r.target}` : '').padEnd(14)} ${r.workload}`);
  }
}
