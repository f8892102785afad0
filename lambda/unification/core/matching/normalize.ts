/**
 * Field normalisation for person matching: case, accents, punctuation and
 * whitespace; dates to YYYY-MM-DD; phone, email, postcode and identifier
 * canonical forms; a full name into its parts; gender to m / f; placeholder
 * values ("unknown", "000-00-0000", ...) to missing.
 * Pure functions: every normaliser returns '' for a missing or junk value.
 */
import type { DateParts } from './comparators';
import type { PersonField, PersonRecord } from '../../../config/unification/person-fields';
import { parseFullName } from './person-name';

const SPECIAL_LETTERS: Record<string, string> = {
  ß: 'ss', æ: 'ae', Æ: 'ae', œ: 'oe', Œ: 'oe', ø: 'o', Ø: 'o', đ: 'd', Đ: 'd', ð: 'd', Ð: 'd',
  ł: 'l', Ł: 'l', þ: 'th', Þ: 'th', ı: 'i', ħ: 'h', ŋ: 'n',
};

const PLACEHOLDERS = new Set([
  'unknown', 'unk', 'n a', 'none', 'null', 'nil', 'nan', 'not known', 'notknown', 'not provided',
  'not applicable', 'not given', 'refused', 'declined', 'fnu', 'lnu', 'nfn', 'nmn', 'xxx',
  'tbd', 'test', 'anonymous', 'no name', 'noname', 'undefined',
]);

const ASCII = /^[\x00-\x7f]*$/;

/** Lower case, accents and special letters folded to ASCII, punctuation to spaces, spaces collapsed. */
export function normalizeText(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (s.length === 0) return '';
  if (!ASCII.test(s)) {
    s = s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
    s = s.replace(/[ßæÆœŒøØđĐðÐłŁþÞıħŋ]/g, (ch) => SPECIAL_LETTERS[ch] ?? ch);
  }
  s = s.toLowerCase();
  // apostrophes join (o'brien → obrien); any other punctuation separates
  s = s.replace(/['’`´]/g, '').replace(/[^a-z0-9]+/g, ' ').trim();
  if (PLACEHOLDERS.has(s)) return '';
  return s;
}

const NAME_NOISE = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'rev', 'jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'esq']);

/** A person name: normalised text without titles and generational suffixes. */
export function normalizeName(value: unknown): string {
  const s = normalizeText(value);
  if (s === '') return '';
  const tokens = s.split(' ');
  if (tokens.length === 1) return /[a-z]/.test(s) ? s : '';
  const kept = tokens.filter((t) => !NAME_NOISE.has(t));
  const out = (kept.length > 0 ? kept : tokens).join(' ');
  return /[a-z]/.test(out) ? out : '';
}

const MALE = new Set([
  'm', 'male', 'man', 'boy', 'masculine', 'masc', 'mr', 'mann', 'mannlich', 'maennlich', 'herr', 'h', 'homme', 'masculin',
  'hombre', 'masculino', 'varon', 'uomo', 'maschio', 'maschile', 'mannelijk', 'man', '1',
]);
const FEMALE = new Set([
  'f', 'female', 'woman', 'girl', 'feminine', 'fem', 'mrs', 'ms', 'miss', 'w', 'frau', 'weiblich', 'femme', 'feminin',
  'mujer', 'femenino', 'donna', 'femmina', 'femminile', 'v', 'vrouw', 'vrouwelijk', '2',
]);
/** "Not known" (ISO 5218 codes 0 and 9 included): missing, not a gender of its own. */
const UNKNOWN_GENDER = new Set(['u', 'unk', '0', '9', 'not specified', 'unspecified', 'prefer not to say', 'not stated', 'na', 'n a', 'k a', 'ka', 'keine angabe', 'inconnu', 'desconocido']);

/**
 * A gender: 'm' or 'f' for the usual spellings of male and female in English,
 * German (M/W), French (H/F), Spanish, Italian and Dutch (M/V), and ISO 5218
 * codes 1 and 2; any other value (x, diverse, non-binary, ...) kept as its
 * normalised text, so it agrees only with itself; unknown is missing.
 */
export function normalizeGender(value: unknown): string {
  const s = normalizeText(value);
  if (s === '' || UNKNOWN_GENDER.has(s)) return '';
  if (MALE.has(s)) return 'm';
  if (FEMALE.has(s)) return 'f';
  return s;
}

const STREET_WORDS: Record<string, string> = {
  st: 'street', str: 'street', rd: 'road', ave: 'avenue', av: 'avenue', blvd: 'boulevard', bvd: 'boulevard',
  dr: 'drive', drv: 'drive', ln: 'lane', ct: 'court', crt: 'court', pl: 'place', cres: 'crescent', cr: 'crescent',
  hwy: 'highway', pkwy: 'parkway', pky: 'parkway', sq: 'square', tce: 'terrace', ter: 'terrace', terr: 'terrace',
  cct: 'circuit', cl: 'close', pde: 'parade', esp: 'esplanade', gr: 'grove', gv: 'grove', cir: 'circle',
  mt: 'mount', hts: 'heights', apt: 'apartment', ste: 'suite', fl: 'floor', bldg: 'building', vlg: 'village',
  vlge: 'village', n: 'north', s: 'south', e: 'east', w: 'west', ne: 'northeast', nw: 'northwest',
  se: 'southeast', sw: 'southwest', po: 'po', u: 'unit', flt: 'flat', wy: 'way', aly: 'alley',
};

/** An address line: normalised text with common street-type abbreviations expanded. */
export function normalizeStreet(value: unknown): string {
  const s = normalizeText(value);
  if (s === '') return '';
  const tokens = s.split(' ');
  return tokens
    .map((t, i) => {
      if (t === 'st' && i === 0 && tokens.length > 1) return 'saint';
      return STREET_WORDS[t] ?? t;
    })
    .join(' ');
}

/** A house number: lower-case letters and digits only ("12 A" → "12a"). */
export function normalizeStreetNumber(value: unknown): string {
  return normalizeText(value).replace(/ /g, '');
}

/** A postal code: letters and digits only; ZIP+4 keeps the five-digit ZIP. */
export function normalizePostcode(value: unknown): string {
  const s = normalizeText(value).replace(/ /g, '');
  if (/^\d{9}$/.test(s)) return s.slice(0, 5);
  if (/^0+$/.test(s)) return '';
  return s;
}

const REGIONS: Record<string, string> = {
  alabama: 'al', alaska: 'ak', arizona: 'az', arkansas: 'ar', california: 'ca', colorado: 'co', connecticut: 'ct',
  delaware: 'de', florida: 'fl', georgia: 'ga', hawaii: 'hi', idaho: 'id', illinois: 'il', indiana: 'in', iowa: 'ia',
  kansas: 'ks', kentucky: 'ky', louisiana: 'la', maine: 'me', maryland: 'md', massachusetts: 'ma', michigan: 'mi',
  minnesota: 'mn', mississippi: 'ms', missouri: 'mo', montana: 'mt', nebraska: 'ne', nevada: 'nv',
  'new hampshire': 'nh', 'new jersey': 'nj', 'new mexico': 'nm', 'new york': 'ny', 'north carolina': 'nc',
  'north dakota': 'nd', ohio: 'oh', oklahoma: 'ok', oregon: 'or', pennsylvania: 'pa', 'rhode island': 'ri',
  'south carolina': 'sc', 'south dakota': 'sd', tennessee: 'tn', texas: 'tx', utah: 'ut', vermont: 'vt',
  virginia: 'va', washington: 'wa', 'west virginia': 'wv', wisconsin: 'wi', wyoming: 'wy',
  'district of columbia': 'dc', 'new south wales': 'nsw', victoria: 'vic', queensland: 'qld',
  'south australia': 'sa', 'western australia': 'wa', tasmania: 'tas', 'northern territory': 'nt',
  'australian capital territory': 'act', ontario: 'on', quebec: 'qc', 'british columbia': 'bc', alberta: 'ab',
  manitoba: 'mb', saskatchewan: 'sk', 'nova scotia': 'ns', 'new brunswick': 'nb',
};

/** A state or region: normalised text, full US/Australian/Canadian names to their codes. */
export function normalizeState(value: unknown): string {
  const s = normalizeText(value);
  return REGIONS[s] ?? s;
}

const COUNTRIES: Record<string, string> = {
  usa: 'us', 'united states': 'us', 'united states of america': 'us', america: 'us', 'u s a': 'us', 'u s': 'us',
  uk: 'gb', 'united kingdom': 'gb', 'great britain': 'gb', britain: 'gb', england: 'gb', scotland: 'gb', wales: 'gb',
  australia: 'au', germany: 'de', deutschland: 'de', france: 'fr', canada: 'ca', spain: 'es', espana: 'es',
  italy: 'it', italia: 'it', netherlands: 'nl', 'the netherlands': 'nl', holland: 'nl', ireland: 'ie',
  'new zealand': 'nz', mexico: 'mx', brazil: 'br', brasil: 'br', india: 'in', china: 'cn', japan: 'jp',
  austria: 'at', osterreich: 'at', switzerland: 'ch', schweiz: 'ch', suisse: 'ch', belgium: 'be', sweden: 'se',
  norway: 'no', denmark: 'dk', finland: 'fi', poland: 'pl', portugal: 'pt',
};

/** A country: ISO 3166 alpha-2 where the name or alpha-3 code is known, else normalised text. */
export function normalizeCountry(value: unknown): string {
  const s = normalizeText(value);
  if (s === '') return '';
  const mapped = COUNTRIES[s];
  if (mapped) return mapped;
  if (s === 'deu' || s === 'ger') return 'de';
  if (s === 'aus') return 'au';
  if (s === 'gbr') return 'gb';
  if (s === 'fra') return 'fr';
  if (s === 'can') return 'ca';
  return s;
}

/** A national identifier: upper-case letters and digits; sequences like 000000000 or 123456789 are junk. */
export function normalizeNationalId(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = String(value).toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (s.length < 4) return '';
  if (/^(.)\1*$/.test(s)) return '';
  if ('0123456789'.includes(s) || '9876543210'.includes(s)) return '';
  return s;
}

const JUNK_EMAIL_LOCAL = new Set(['noemail', 'none', 'no', 'na', 'test', 'unknown', 'noreply', 'donotreply', 'nomail', 'null', 'email', 'abc', 'xxx']);
const JUNK_EMAIL_DOMAIN = new Set(['example.com', 'example.org', 'test.com', 'none.com', 'noemail.com', 'email.com', 'nomail.com', 'mailinator.com']);

/** An email address: lower case, `+tag` dropped, Gmail dots ignored; placeholder addresses are junk. */
export function normalizeEmail(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = String(value).trim().toLowerCase().replace(/^mailto:/, '');
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return '';
  let local = s.slice(0, at).replace(/\s+/g, '');
  let domain = s.slice(at + 1).replace(/\s+/g, '');
  if (domain === 'googlemail.com') domain = 'gmail.com';
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (domain === 'gmail.com') local = local.replace(/\./g, '');
  if (local === '' || JUNK_EMAIL_LOCAL.has(local) || JUNK_EMAIL_DOMAIN.has(domain) || !domain.includes('.')) return '';
  return `${local}@${domain}`;
}

/**
 * A phone number: digits only, international `00`/`+` prefix and trunk zero
 * ignored by keeping the last nine digits; fewer than seven digits or one
 * repeated digit is junk.
 */
export function normalizePhone(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  const ext = s.search(/(ext|x|#)/i);
  if (ext > 0) s = s.slice(0, ext);
  const digits = s.replace(/\D/g, '');
  if (digits.length < 7) return '';
  if (/^(\d)\1*$/.test(digits)) return '';
  if (digits.endsWith('1234567') || digits.endsWith('5550100')) return '';
  return digits.length > 9 ? digits.slice(-9) : digits;
}

/** Whether ambiguous numeric dates such as 03/04/1990 are read day-first or month-first. */
export type DateOrder = 'DMY' | 'MDY';

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
  january: 1, february: 2, march: 3, april: 4, june: 6, july: 7, august: 8, september: 9, october: 10,
  november: 11, december: 12, januar: 1, februar: 2, marz: 3, mai: 5, juni: 6, juli: 7, oktober: 10, dezember: 12,
};

const NO_DATE: DateParts = { year: 0, month: 0, day: 0 };

function validYear(y: number): number {
  return y >= 1000 && y <= 2999 ? y : 0;
}

function expandYear(text: string): number {
  if (text.length === 4) return validYear(Number(text));
  if (text.length === 2) {
    const y = Number(text);
    return y <= 30 ? 2000 + y : 1900 + y;
  }
  return 0;
}

function validMonth(m: number): number {
  return m >= 1 && m <= 12 ? m : 0;
}

function validDay(d: number): number {
  return d >= 1 && d <= 31 ? d : 0;
}

/** Reads day and month from two numbers, the order settled by a value above 12 or else by `order`. */
function dayMonth(first: number, second: number, order: DateOrder): [number, number] {
  if (first > 12 && second <= 12) return [first, second];
  if (second > 12 && first <= 12) return [second, first];
  return order === 'DMY' ? [first, second] : [second, first];
}

const PLACEHOLDER_DATES = new Set(['1900-01-01', '1800-01-01', '1000-01-01', '1111-11-11', '2999-12-31', '1901-01-01']);

/**
 * Parses a date of birth in the common shapes: YYYY-MM-DD (and ISO timestamps),
 * YYYYMMDD, DD/MM/YYYY or MM/DD/YYYY (ambiguous ones read by `order`), with month
 * names ("3 Jan 1980", "January 3, 1980"), or a year alone. Missing parts are 0.
 * Placeholder dates such as 1900-01-01 count as missing.
 */
export function parseDate(value: unknown, order: DateOrder = 'MDY'): DateParts {
  if (value === null || value === undefined) return NO_DATE;
  let s = String(value).trim().toLowerCase();
  if (s === '') return NO_DATE;
  s = s.replace(/t\d{2}:\d{2}.*$/, '').replace(/\s+\d{1,2}:\d{2}(:\d{2})?.*$/, '');
  let parts: DateParts = NO_DATE;
  if (/^\d+$/.test(s)) {
    if (s.length === 8) {
      const y = Number(s.slice(0, 4));
      if (y >= 1800 && y <= 2100) parts = { year: y, month: validMonth(Number(s.slice(4, 6))), day: validDay(Number(s.slice(6, 8))) };
      else {
        const [d, m] = dayMonth(Number(s.slice(0, 2)), Number(s.slice(2, 4)), order);
        parts = { year: validYear(Number(s.slice(4, 8))), month: validMonth(m), day: validDay(d) };
      }
    } else if (s.length === 4) parts = { year: validYear(Number(s)), month: 0, day: 0 };
    else if (s.length === 6) parts = { year: validYear(Number(s.slice(0, 4))), month: validMonth(Number(s.slice(4, 6))), day: 0 };
  } else {
    const tokens = s.split(/[^a-z0-9]+/).filter((t) => t !== '');
    const monthIndex = tokens.findIndex((t) => /^[a-z]+$/.test(t) && MONTHS[t] !== undefined);
    if (monthIndex >= 0) {
      const month = MONTHS[tokens[monthIndex]!]!;
      const nums = tokens.filter((t) => /^\d+$/.test(t));
      const yearText = nums.find((t) => t.length === 4) ?? nums.find((t, i) => i > 0 && t.length === 2);
      const dayText = nums.find((t) => t !== yearText && t.length <= 2);
      parts = { year: yearText ? expandYear(yearText) : 0, month, day: dayText ? validDay(Number(dayText)) : 0 };
    } else if (tokens.length === 3 && tokens.every((t) => /^\d+$/.test(t))) {
      const [a, b, c] = tokens as [string, string, string];
      if (a.length === 4) parts = { year: validYear(Number(a)), month: validMonth(Number(b)), day: validDay(Number(c)) };
      else if (c.length === 4 || c.length === 2) {
        const [d, m] = dayMonth(Number(a), Number(b), order);
        parts = { year: expandYear(c), month: validMonth(m), day: validDay(d) };
      }
    } else if (tokens.length === 2 && tokens.every((t) => /^\d+$/.test(t))) {
      const [a, b] = tokens as [string, string];
      if (a.length === 4) parts = { year: validYear(Number(a)), month: validMonth(Number(b)), day: 0 };
      else if (b.length === 4) parts = { year: validYear(Number(b)), month: validMonth(Number(a)), day: 0 };
    }
  }
  if (parts.year > 0 && parts.month > 0 && parts.day > 0 && PLACEHOLDER_DATES.has(formatDate(parts))) return NO_DATE;
  return parts;
}

/** A month as a number, from 1-12 or a month name; 0 if unreadable. */
export function parseMonth(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const s = String(value).trim().toLowerCase();
  if (/^\d{1,2}$/.test(s)) return validMonth(Number(s));
  return MONTHS[s] ?? MONTHS[s.slice(0, 3)] ?? 0;
}

/** The canonical text of a (possibly partial) date: YYYY-MM-DD, YYYY-MM, YYYY, or --MM-DD. */
export function formatDate(d: DateParts): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  if (d.year > 0) {
    if (d.month > 0) return d.day > 0 ? `${d.year}-${p2(d.month)}-${p2(d.day)}` : `${d.year}-${p2(d.month)}`;
    return String(d.year);
  }
  if (d.month > 0 || d.day > 0) return `--${d.month > 0 ? p2(d.month) : '??'}-${d.day > 0 ? p2(d.day) : '??'}`;
  return '';
}

export interface NormalizeOptions {
  /** How to read ambiguous numeric dates such as 03/04/1990 (default month first). */
  dateOrder?: DateOrder;
  /** The categorical attributes to read from a record's `attributes`, in this order. */
  categorical?: readonly string[];
}

/** A record with every field in its canonical form; '' (or 0 for date parts) when missing. */
export interface NormalizedPerson {
  id: string;
  firstName: string;
  middleName: string;
  lastName: string;
  /** Canonical (possibly partial) date of birth, see {@link formatDate}. */
  dateOfBirth: string;
  birthYear: number;
  birthMonth: number;
  birthDay: number;
  streetNumber: string;
  address1: string;
  address2: string;
  city: string;
  postcode: string;
  state: string;
  country: string;
  nationalId: string;
  email: string;
  phone: string;
  /** The whole name: the name parts (from their own fields or the parsed full name) in given-middle-family order. */
  fullName: string;
  /** 'm', 'f', another stated gender, or ''. */
  gender: string;
  birthplace: string;
  /** The declared categorical attributes' values, in declaration order ('' when missing). */
  attributes: string[];
}

/**
 * The house number may be written inside the first address line ("12 main
 * street"): take it out when the number field is empty, drop it from the line
 * when it repeats the number field.
 */
function splitHouseNumber(num: string, line: string): { streetNumber: string; address1: string } {
  const m = /^(\d+[a-z]?)\s+(.*[a-z].*)$/.exec(line);
  if (!m) return { streetNumber: num, address1: line };
  if (num === '') return { streetNumber: m[1]!, address1: m[2]! };
  if (num === m[1]) return { streetNumber: num, address1: m[2]! };
  return { streetNumber: num, address1: line };
}

/** Normalises every field of a person record; separate birth parts fill gaps in the date. */
export function normalizePerson(record: PersonRecord, options: NormalizeOptions = {}): NormalizedPerson {
  const order = options.dateOrder ?? 'MDY';
  const dob = parseDate(record.dateOfBirth, order);
  const byText = record.birthYear === null || record.birthYear === undefined ? '' : String(record.birthYear).trim();
  const by = /^\d{4}$/.test(byText) ? validYear(Number(byText)) : /^\d{2}$/.test(byText) ? expandYear(byText) : 0;
  const bm = parseMonth(record.birthMonth);
  const bdText = record.birthDay === null || record.birthDay === undefined ? '' : String(record.birthDay).trim();
  const bd = /^\d{1,2}$/.test(bdText) ? validDay(Number(bdText)) : 0;
  const parts: DateParts = {
    year: dob.year || by,
    month: dob.month || bm,
    day: dob.day || bd,
  };
  if (parts.year > 0 && parts.month > 0 && parts.day > 0 && PLACEHOLDER_DATES.has(formatDate(parts))) {
    parts.year = 0;
    parts.month = 0;
    parts.day = 0;
  }
  // a full name fills the name parts that have no field of their own
  const parsed = record.fullName === null || record.fullName === undefined ? undefined : parseFullName(record.fullName);
  const firstName = normalizeName(record.firstName) || normalizeName(parsed?.given);
  const middleName = normalizeName(record.middleName) || normalizeName(parsed?.middle);
  const lastName = normalizeName(record.lastName) || normalizeName(parsed?.family);
  const attrs = record.attributes;
  return {
    id: String(record.id),
    firstName,
    middleName,
    lastName,
    dateOfBirth: formatDate(parts),
    birthYear: parts.year,
    birthMonth: parts.month,
    birthDay: parts.day,
    ...splitHouseNumber(normalizeStreetNumber(record.streetNumber), normalizeStreet(record.address1)),
    address2: normalizeStreet(record.address2),
    city: normalizeText(record.city),
    postcode: normalizePostcode(record.postcode),
    state: normalizeState(record.state),
    country: normalizeCountry(record.country),
    nationalId: normalizeNationalId(record.nationalId),
    email: normalizeEmail(record.email),
    phone: normalizePhone(record.phone),
    fullName: [firstName, middleName, lastName].filter((x) => x !== '').join(' '),
    gender: normalizeGender(record.gender) || (parsed?.genderHint ?? ''),
    birthplace: normalizeText(record.birthplace),
    attributes: (options.categorical ?? []).map((name) => normalizeText(attrs?.[name])),
  };
}

/** The normalised value of one field as text ('' when missing), used by rules and blocking. */
export function fieldText(p: NormalizedPerson, field: PersonField): string {
  switch (field) {
    case 'birthYear':
      return p.birthYear > 0 ? String(p.birthYear) : '';
    case 'birthMonth':
      return p.birthMonth > 0 ? String(p.birthMonth) : '';
    case 'birthDay':
      return p.birthDay > 0 ? String(p.birthDay) : '';
    case 'dateOfBirth':
      return p.birthYear > 0 && p.birthMonth > 0 && p.birthDay > 0 ? p.dateOfBirth : '';
    default:
      return p[field];
  }
}
