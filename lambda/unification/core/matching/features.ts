/**
 * Comparison features of the Fellegi–Sunter scorer. Each feature compares one
 * aspect of two prepared records and returns an agreement level, 0 being the
 * strongest agreement and the last level disagreement; MISSING (contributes no
 * evidence) when either side lacks the data.
 *
 * Correlated fields are grouped so their evidence is not counted several times:
 * street number + address lines form one `address` feature; city + postcode +
 * state + country one `locality` feature. The date of birth is three features
 * (year, month, day): its parts are corrupted independently of one another, and
 * two right parts out of three is evidence the scorer should weigh on its own.
 * Gender, birthplace and each declared categorical attribute are one feature
 * each, so data with only a name, a date of birth and a place still has
 * several independent pieces of evidence.
 */
import { compareNumbers, jaroWinkler, withinOneEdit, type DateParts } from './comparators';
import { MAX_CATEGORICAL_ATTRIBUTES } from '../../../config/unification/matching';
import type { PersonField } from '../../../config/unification/person-fields';
import { isNicknamePair } from './nicknames';
import type { NormalizedPerson } from './normalize';
import { nysiis } from './phonetic';

export const MISSING = 255;

/** A record with everything the comparators need precomputed. */
export interface PreparedPerson {
  index: number;
  first: string;
  firstC: string;
  firstNy: string;
  last: string;
  lastC: string;
  lastNy: string;
  middle: string;
  dob: DateParts;
  num: string;
  line1: string;
  line2: string;
  city: string;
  postcode: string;
  state: string;
  country: string;
  nationalId: string;
  email: string;
  emailLocal: string;
  phone: string;
  gender: string;
  birthplace: string;
  /** Birthplace without spaces. */
  birthplaceC: string;
  /** Declared categorical attributes, '' when missing. */
  attributes: readonly string[];
}

const STREET_TYPES = new Set([
  'street', 'road', 'avenue', 'boulevard', 'drive', 'lane', 'court', 'place', 'crescent', 'highway', 'parkway',
  'square', 'terrace', 'circuit', 'close', 'parade', 'esplanade', 'grove', 'circle', 'way', 'alley', 'walk',
]);
const MERGED_TYPES = ['street', 'avenue', 'crescent', 'place', 'drive', 'road', 'court', 'close', 'lane', 'circuit', 'terrace', 'parade'];

/** An address line reduced to its distinctive part: street-type words dropped, spaces removed. */
export function streetCore(line: string): string {
  if (line === '') return '';
  const tokens = line.split(' ');
  const kept = tokens.filter((t) => !STREET_TYPES.has(t));
  let core = (kept.length > 0 ? kept : tokens).join('');
  for (const t of MERGED_TYPES) {
    if (core.length >= t.length + 3 && core.endsWith(t)) {
      core = core.slice(0, -t.length);
      break;
    }
  }
  return core;
}

/** Precomputes the comparison forms of a normalised record (compact names, phonetic codes, street cores). */
export function preparePerson(p: NormalizedPerson, index: number): PreparedPerson {
  const firstC = p.firstName.replace(/ /g, '');
  const lastC = p.lastName.replace(/ /g, '');
  const emailLocal = p.email === '' ? '' : p.email.slice(0, p.email.indexOf('@'));
  return {
    index,
    first: p.firstName,
    firstC,
    firstNy: nysiis(firstC),
    last: p.lastName,
    lastC,
    lastNy: nysiis(lastC),
    middle: p.middleName,
    dob: { year: p.birthYear, month: p.birthMonth, day: p.birthDay },
    num: p.streetNumber,
    line1: streetCore(p.address1),
    line2: streetCore(p.address2),
    city: p.city.replace(/ /g, ''),
    postcode: p.postcode,
    state: p.state,
    country: p.country,
    nationalId: p.nationalId,
    email: p.email,
    emailLocal,
    phone: p.phone,
    gender: p.gender,
    birthplace: p.birthplace,
    birthplaceC: p.birthplace.replace(/ /g, ''),
    attributes: p.attributes,
  };
}

/** One token list being a subset of the other's ("berger" ⊂ "berger jung"). */
function tokenSubset(a: string, b: string): boolean {
  if (!a.includes(' ') && !b.includes(' ')) return false;
  const ta = a.split(' ');
  const tb = b.split(' ');
  const [small, big] = ta.length <= tb.length ? [ta, tb] : [tb, ta];
  return small.every((t) => big.includes(t));
}

/**
 * Name agreement: 0 exact; 1 close (Jaro–Winkler ≥ 0.92, one edit, same letters
 * without spaces, or one name's words contained in the other's); 2 similar
 * (Jaro–Winkler ≥ 0.85, same NYSIIS code, known nickname, or an initial that
 * fits); 3 disagree.
 */
export function nameLevel(a: string, ac: string, any: string, b: string, bc: string, bny: string, given: boolean): number {
  if (a === b) return 0;
  if (ac === bc) return 1;
  if (ac.length === 1 || bc.length === 1) {
    return ac[0] === bc[0] ? 2 : 3;
  }
  const jw = jaroWinkler(ac, bc);
  if (jw >= 0.92) return 1;
  // one edit in a name of four or more letters keeps Jaro at 0.83 or above
  if (jw >= 0.83 && ac.length >= 4 && bc.length >= 4 && withinOneEdit(ac, bc)) return 1;
  if (tokenSubset(a, b)) return 1;
  if (jw >= 0.85 || (any !== '' && any === bny)) return 2;
  if (given && isNicknamePair(a, b)) return 2;
  return 3;
}

function middleLevel(a: string, b: string): number {
  if (a === b) return 0;
  const ac = a.replace(/ /g, '');
  const bc = b.replace(/ /g, '');
  if (ac.length === 1 || bc.length === 1) return ac[0] === bc[0] ? 1 : 2;
  if (jaroWinkler(ac, bc) >= 0.9) return 1;
  return 2;
}

/**
 * Address (street number and address lines, compared crosswise since lines get
 * swapped): 0 same street and number; 1 same street with the number missing or
 * one typo away, or a similar street with the same number; 2 some agreement;
 * 3 disagree.
 */
function addressLevel(a: PreparedPerson, b: PreparedPerson): number {
  const aHasLine = a.line1 !== '' || a.line2 !== '';
  const bHasLine = b.line1 !== '' || b.line2 !== '';
  const linesComparable = aHasLine && bHasLine;
  const numComparable = a.num !== '' && b.num !== '';
  if (!linesComparable && !numComparable) return MISSING;
  let sMain = 0;
  let sSecond = 0;
  if (linesComparable) {
    if (a.line1 !== '' && b.line1 !== '') sMain = a.line1 === b.line1 ? 1 : jaroWinkler(a.line1, b.line1);
    if (sMain < 0.92 && a.line1 !== '' && b.line2 !== '') sMain = Math.max(sMain, jaroWinkler(a.line1, b.line2));
    if (sMain < 0.92 && a.line2 !== '' && b.line1 !== '') sMain = Math.max(sMain, jaroWinkler(a.line2, b.line1));
    if (a.line2 !== '' && b.line2 !== '') sSecond = a.line2 === b.line2 ? 1 : jaroWinkler(a.line2, b.line2);
  }
  let num = MISSING; // 0 exact, 1 close, 2 disagree
  if (numComparable) {
    const c = compareNumbers(a.num, b.num);
    num = c === 'exact' ? 0 : c === 'close' ? 1 : 2;
  }
  if (sMain >= 0.92 && num === 0) return 0;
  if ((sMain >= 0.92 && num !== 2) || (sMain >= 0.8 && num === 0) || (num === 0 && sSecond >= 0.92)) return 1;
  if (sMain >= 0.8 || sSecond >= 0.92 || (num === 0 && !linesComparable)) return 2;
  return 3;
}

/**
 * Locality (postcode, city, state, country): 0 postcode and city agree; 1 one
 * agrees and the other is missing or close; 2 one of them agrees or is close;
 * 3 only the state agrees; 4 disagree (or different countries).
 */
function localityLevel(a: PreparedPerson, b: PreparedPerson): number {
  if (a.country !== '' && b.country !== '' && a.country !== b.country) return 4;
  let pc = MISSING; // 0 exact, 1 close, 2 disagree
  if (a.postcode !== '' && b.postcode !== '') {
    pc = a.postcode === b.postcode ? 0 : withinOneEdit(a.postcode, b.postcode) ? 1 : 2;
  }
  let city = MISSING;
  if (a.city !== '' && b.city !== '') {
    if (a.city === b.city) city = 0;
    else {
      const jw = jaroWinkler(a.city, b.city);
      city = jw >= 0.92 ? 0 : jw >= 0.85 ? 1 : 2;
    }
  }
  const st = a.state !== '' && b.state !== '' ? (a.state === b.state ? 0 : 1) : MISSING;
  if (pc === MISSING && city === MISSING) {
    if (st === MISSING) return MISSING;
    return st === 0 ? 3 : 4;
  }
  if (pc === 0 && city === 0) return 0;
  if ((pc === 0 && city !== 2) || (city === 0 && pc !== 2)) return 1;
  if (pc <= 1 || city <= 1) return 2;
  return st === 0 ? 3 : 4;
}

/**
 * Years that differ in a way typing explains far better than chance: one year
 * off, two adjacent digits swapped (1945/1954), or one wrong digit in the
 * century (1450/1950). A wrong decade or last digit alone is common between
 * strangers, so it gets a level of its own (see dateLevels).
 */
function yearTypo(a: number, b: number): boolean {
  const diff = a - b;
  if (diff === 1 || diff === -1) return true;
  if (a < 1000 || b < 1000 || a > 9999 || b > 9999) return false;
  // digits, most significant first
  const a0 = Math.floor(a / 1000), a1 = Math.floor(a / 100) % 10, a2 = Math.floor(a / 10) % 10, a3 = a % 10;
  const b0 = Math.floor(b / 1000), b1 = Math.floor(b / 100) % 10, b2 = Math.floor(b / 10) % 10, b3 = b % 10;
  const d0 = a0 !== b0, d1 = a1 !== b1, d2 = a2 !== b2, d3 = a3 !== b3;
  const count = (d0 ? 1 : 0) + (d1 ? 1 : 0) + (d2 ? 1 : 0) + (d3 ? 1 : 0);
  if (count === 1) return d0 || d1;
  if (count !== 2) return false;
  return (d0 && d1 && a0 === b1 && a1 === b0) || (d1 && d2 && a1 === b2 && a2 === b1) || (d2 && d3 && a2 === b3 && a3 === b2);
}

/** Two numbers of the same length that differ in exactly one digit. */
function oneDigitApart(a: number, b: number): boolean {
  let diff = 0;
  while (a > 0 || b > 0) {
    if (a % 10 !== b % 10 && ++diff > 1) return false;
    a = Math.floor(a / 10);
    b = Math.floor(b / 10);
  }
  return diff === 1;
}

/**
 * Birth year: 0 equal, 1 a typo (one year off, swapped digits, wrong century
 * digit), 2 one other digit differs (1974/1971: common between strangers, but
 * also how a typo changes a year; EM weighs it), 3 disagree. Month: 0
 * equal, 1 swapped with the day, 2 disagree. Day: 0 equal, 1 swapped with the
 * month, digits reversed or one day off, 2 disagree.
 */
function dateLevels(a: DateParts, b: DateParts, enabled: Uint8Array, out: Uint8Array): void {
  if (enabled[F_YEAR] === 1 && a.year > 0 && b.year > 0) {
    out[F_YEAR] = a.year === b.year ? 0 : yearTypo(a.year, b.year) ? 1 : oneDigitApart(a.year, b.year) ? 2 : 3;
  } else out[F_YEAR] = MISSING;
  const swapped = a.month > 0 && a.day > 0 && a.month === b.day && a.day === b.month && a.month !== a.day;
  if (enabled[F_MONTH] === 1 && a.month > 0 && b.month > 0) {
    out[F_MONTH] = a.month === b.month ? 0 : swapped ? 1 : 2;
  } else out[F_MONTH] = MISSING;
  if (enabled[F_DAY] === 1 && a.day > 0 && b.day > 0) {
    if (a.day === b.day) out[F_DAY] = 0;
    else {
      const reversed = a.day >= 10 && b.day >= 10 && a.day % 10 === Math.floor(b.day / 10) && b.day % 10 === Math.floor(a.day / 10);
      out[F_DAY] = swapped || reversed || Math.abs(a.day - b.day) === 1 ? 1 : 2;
    }
  } else out[F_DAY] = MISSING;
}

/**
 * Place of birth, compared like a city: 0 same; 1 close (Jaro–Winkler ≥ 0.92,
 * one edit, or one name's words contained in the other's: "frankfurt" and
 * "frankfurt am main"); 2 disagree.
 */
function placeLevel(a: string, ac: string, b: string, bc: string): number {
  if (ac === '' || bc === '') return MISSING;
  if (ac === bc) return 0;
  if (jaroWinkler(ac, bc) >= 0.92 || (ac.length >= 4 && bc.length >= 4 && withinOneEdit(ac, bc)) || tokenSubset(a, b)) return 1;
  return 2;
}

function idLevel(a: string, b: string): number {
  if (a === '' || b === '') return MISSING;
  if (a === b) return 0;
  if (a.length >= 5 && b.length >= 5 && withinOneEdit(a, b)) return 1;
  return 2;
}

/**
 * The scored features, in a fixed order. Levels run from the strongest
 * agreement to disagreement (`monotone`), except for the name order, whose
 * `swapped` level stands in for both name comparisons. `context` features
 * (surname, address, locality, email, phone, and birthplace, which siblings
 * share) are shared by relatives; the others are personal. Gender and the
 * categorical attributes only agree or disagree.
 */
export const FEATURES = [
  { name: 'firstName', levels: ['exact', 'close', 'similar', 'disagree'], fields: ['firstName', 'fullName'], monotone: true, context: false },
  { name: 'lastName', levels: ['exact', 'close', 'similar', 'disagree'], fields: ['lastName', 'fullName'], monotone: true, context: true },
  { name: 'middleName', levels: ['exact', 'close', 'disagree'], fields: ['middleName', 'fullName'], monotone: true, context: false },
  { name: 'birthYear', levels: ['exact', 'close', 'digit', 'disagree'], fields: ['dateOfBirth', 'birthYear'], monotone: true, context: false },
  { name: 'birthMonth', levels: ['exact', 'swapped', 'disagree'], fields: ['dateOfBirth', 'birthMonth'], monotone: true, context: false },
  { name: 'birthDay', levels: ['exact', 'close', 'disagree'], fields: ['dateOfBirth', 'birthDay'], monotone: true, context: false },
  { name: 'address', levels: ['same', 'close', 'partial', 'disagree'], fields: ['streetNumber', 'address1', 'address2'], monotone: true, context: true },
  { name: 'locality', levels: ['same', 'close', 'partial', 'region', 'disagree'], fields: ['city', 'postcode', 'state', 'country'], monotone: true, context: true },
  { name: 'nationalId', levels: ['exact', 'close', 'disagree'], fields: ['nationalId'], monotone: true, context: false },
  { name: 'email', levels: ['exact', 'close', 'disagree'], fields: ['email'], monotone: true, context: true },
  { name: 'phone', levels: ['exact', 'close', 'disagree'], fields: ['phone'], monotone: true, context: true },
  { name: 'nameOrder', levels: ['straight', 'swapped'], fields: ['firstName', 'lastName', 'fullName'], monotone: false, context: false },
  { name: 'gender', levels: ['agree', 'disagree'], fields: ['gender'], monotone: true, context: false },
  { name: 'birthplace', levels: ['exact', 'close', 'disagree'], fields: ['birthplace'], monotone: true, context: true },
  // one feature per declared categorical attribute, up to MAX_CATEGORICAL_ATTRIBUTES; named after it in models and explanations
  ...Array.from({ length: MAX_CATEGORICAL_ATTRIBUTES }, (_, i) => ({
    name: `attribute${i + 1}`,
    levels: ['agree', 'disagree'] as const,
    fields: [] as const,
    monotone: true as const,
    context: false as const,
  })),
] as const satisfies ReadonlyArray<{ name: string; levels: readonly string[]; fields: readonly PersonField[]; monotone: boolean; context: boolean }>;

export const F_FIRST = 0;
export const F_LAST = 1;
export const F_MIDDLE = 2;
export const F_YEAR = 3;
export const F_MONTH = 4;
export const F_DAY = 5;
export const F_ADDRESS = 6;
export const F_LOCALITY = 7;
export const F_NID = 8;
export const F_EMAIL = 9;
export const F_PHONE = 10;
export const F_ORDER = 11;
export const F_GENDER = 12;
export const F_BIRTHPLACE = 13;
/** The first categorical attribute's feature; attribute i is F_ATTRIBUTE + i. */
export const F_ATTRIBUTE = 14;
export const FEATURE_COUNT = FEATURES.length;

/**
 * Compares two records on every feature, writing levels into `out` (length
 * FEATURE_COUNT); disabled features are written as MISSING.
 */
export function compareRecords(a: PreparedPerson, b: PreparedPerson, enabled: Uint8Array, out: Uint8Array): void {
  // names, allowing first/last swaps
  const haveFirst = enabled[F_FIRST] === 1 && a.first !== '' && b.first !== '';
  const haveLast = enabled[F_LAST] === 1 && a.last !== '' && b.last !== '';
  let lf = haveFirst ? nameLevel(a.first, a.firstC, a.firstNy, b.first, b.firstC, b.firstNy, true) : MISSING;
  let ll = haveLast ? nameLevel(a.last, a.lastC, a.lastNy, b.last, b.lastC, b.lastNy, false) : MISSING;
  // name order: only known when both names are on both sides. A swap replaces
  // the two name comparisons: its evidence is learnt as a whole (swaps are
  // common in some sources and absent in others, and two names agreeing
  // crosswise are not two independent coincidences).
  let order = haveFirst && haveLast ? 0 : MISSING;
  if (haveFirst && haveLast && lf + ll >= 3) {
    const sf = nameLevel(a.first, a.firstC, a.firstNy, b.last, b.lastC, b.lastNy, false);
    if (sf <= 1) {
      const sl = nameLevel(a.last, a.lastC, a.lastNy, b.first, b.firstC, b.firstNy, false);
      if (sl <= 1 && sf + sl < lf + ll) {
        lf = MISSING;
        ll = MISSING;
        order = 1;
      }
    }
  } else if (enabled[F_FIRST] === 1 && enabled[F_LAST] === 1) {
    // one side has only one of the names: it may sit in the other slot
    if (!haveFirst && a.first === '' && b.first !== '' && a.last !== '' && b.last === '') {
      const x = nameLevel(a.last, a.lastC, a.lastNy, b.first, b.firstC, b.firstNy, false);
      if (x <= 1) ll = Math.max(x, 1);
    } else if (!haveFirst && b.first === '' && a.first !== '' && b.last !== '' && a.last === '') {
      const x = nameLevel(a.first, a.firstC, a.firstNy, b.last, b.lastC, b.lastNy, false);
      if (x <= 1) ll = Math.max(x, 1);
    }
  }
  out[F_ORDER] = enabled[F_ORDER] === 1 ? order : MISSING;
  out[F_FIRST] = lf;
  out[F_LAST] = ll;
  out[F_MIDDLE] = enabled[F_MIDDLE] === 1 && a.middle !== '' && b.middle !== '' ? middleLevel(a.middle, b.middle) : MISSING;
  dateLevels(a.dob, b.dob, enabled, out);
  out[F_ADDRESS] = enabled[F_ADDRESS] === 1 ? addressLevel(a, b) : MISSING;
  out[F_LOCALITY] = enabled[F_LOCALITY] === 1 ? localityLevel(a, b) : MISSING;
  out[F_NID] = enabled[F_NID] === 1 ? idLevel(a.nationalId, b.nationalId) : MISSING;
  if (enabled[F_EMAIL] === 1 && a.email !== '' && b.email !== '') {
    out[F_EMAIL] = a.email === b.email ? 0 : a.emailLocal === b.emailLocal && a.emailLocal.length >= 4 ? 1 : withinOneEdit(a.email, b.email) ? 1 : 2;
  } else out[F_EMAIL] = MISSING;
  out[F_PHONE] = enabled[F_PHONE] === 1 ? idLevel(a.phone, b.phone) : MISSING;
  out[F_GENDER] = enabled[F_GENDER] === 1 && a.gender !== '' && b.gender !== '' ? (a.gender === b.gender ? 0 : 1) : MISSING;
  out[F_BIRTHPLACE] = enabled[F_BIRTHPLACE] === 1 ? placeLevel(a.birthplace, a.birthplaceC, b.birthplace, b.birthplaceC) : MISSING;
  for (let s = 0; s < MAX_CATEGORICAL_ATTRIBUTES; s++) {
    const f = F_ATTRIBUTE + s;
    const x = a.attributes[s] ?? '';
    const y = b.attributes[s] ?? '';
    out[f] = enabled[f] === 1 && x !== '' && y !== '' ? (x === y ? 0 : 1) : MISSING;
  }
}

/** Which features are enabled by a list of scored person fields and the number of declared categorical attributes. */
export function enabledFeatures(fields: readonly PersonField[], categorical = 0): Uint8Array {
  const set = new Set(fields);
  const out = new Uint8Array(FEATURE_COUNT);
  FEATURES.forEach((f, i) => {
    out[i] = (f.fields as readonly PersonField[]).some((x) => set.has(x)) ? 1 : 0;
  });
  for (let s = 0; s < Math.min(categorical, MAX_CATEGORICAL_ATTRIBUTES); s++) out[F_ATTRIBUTE + s] = 1;
  return out;
}

