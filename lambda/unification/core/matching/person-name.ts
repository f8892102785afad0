/**
 * Full-name parsing: one `fullName` column into given, middle and family
 * names, as person data often comes ("Dr. Hans-Peter van der Berg Jr.",
 * "Müller, Hans", "MÜLLER Hans"). Pure functions.
 *
 * - Titles (Mr, Mrs, Dr, Prof, Herr, Frau, Mme, ...) are dropped from the
 *   front of the name; a gendered title is kept as a hint for a missing gender.
 * - Suffixes (Jr, Sr, II, III, PhD, MD, ...) are dropped from the end; degrees
 *   that are also surnames (Ma, Ba) only when set off by a comma.
 * - "Family, Given Middle" is read when a comma separates two name parts (not
 *   a name and its suffixes: "John Smith, Jr.").
 * - Particles (van, von, de, da, der, la, bin, al, ...) in front of the family
 *   name stay with it: "Ludwig van Beethoven" → "van Beethoven". Single
 *   letters never count as particles: they are initials.
 * - A surname written in capitals among mixed-case given names is the family
 *   name wherever it stands ("MÜLLER Hans", the administrative convention).
 * - Hyphenated names stay one token; "J.R.R." becomes the initials J, R, R;
 *   nicknames in quotes or brackets are dropped.
 *
 * The parts keep their original spelling; the matcher normalises them later.
 */

export interface ParsedName {
  given: string;
  middle: string;
  family: string;
  /** Titles found in front of the name, in lower case without dots. */
  titles: string[];
  /** Suffixes found after the name, in lower case without dots. */
  suffixes: string[];
  /** Gender implied by a title: 'm' (Mr, Herr, Sir...), 'f' (Mrs, Ms, Frau...), '' when none. */
  genderHint: '' | 'm' | 'f';
}

const MALE_TITLES = ['mr', 'mister', 'herr', 'hr', 'sir', 'lord', 'monsieur', 'senor', 'sr', 'signor', 'sig', 'sgr', 'dhr', 'pan'];
const FEMALE_TITLES = [
  'mrs', 'ms', 'miss', 'frau', 'fraulein', 'frl', 'madame', 'mme', 'mlle', 'mademoiselle', 'dame', 'lady',
  'senora', 'sra', 'srta', 'senorita', 'signora', 'sigra', 'signorina', 'mevr', 'mw', 'pani',
];
/** Ungendered titles and honorifics; German academic titles may be compounded ("Prof. Dr. med."). */
const OTHER_TITLES = [
  'mx', 'dr', 'doctor', 'prof', 'professor', 'rev', 'revd', 'reverend', 'fr', 'father', 'pastor', 'rabbi', 'imam',
  'hon', 'capt', 'cpt', 'col', 'gen', 'lt', 'maj', 'sgt', 'cpl', 'adm', 'cmdr', 'dipl', 'ing', 'mag', 'dott',
  'dottssa', 'dottoressa', 'ir', 'drs', 'mgr', 'inz', 'univ', 'med', 'jur', 'phil', 'rer', 'nat', 'habil', 'dent', 'vet', 'hc',
];
/** Academic qualifiers that only follow another title ("Dr. med."), never start a name. */
const TITLE_QUALIFIERS = new Set(['med', 'jur', 'phil', 'rer', 'nat', 'habil', 'dent', 'vet', 'hc', 'univ', 'ing']);

const TITLE_GENDER = new Map<string, 'm' | 'f' | ''>([
  ...MALE_TITLES.map((t) => [t, 'm'] as const),
  ...FEMALE_TITLES.map((t) => [t, 'f'] as const),
  ...OTHER_TITLES.map((t) => [t, ''] as const),
]);

/** Suffixes dropped from the end of a name even without a comma. */
const SUFFIXES = new Set([
  'jr', 'jnr', 'junior', 'sr', 'snr', 'senior', 'ii', 'iii', 'iv', 'phd', 'md', 'dds', 'dmd', 'dvm', 'esq', 'esquire',
  'mba', 'cpa', 'jd', 'llm', 'dphil', 'mphil', 'obe', 'mbe', 'cbe', 'kbe', 'frcs', 'facs', 'rn', 'mdb', 'mdl', 'mep',
]);
/** Suffixes that are also names (Ma, Ba, Bs, V): dropped only after a comma. */
const COMMA_SUFFIXES = new Set(['ba', 'bsc', 'bs', 'ma', 'msc', 'ms', 'bed', 'meng', 'beng', 'llb', 'v', 'vi', 'ret']);

/** Words that belong to the family name that follows them. */
const PARTICLES = new Set([
  'van', 'von', 'vom', 'de', 'der', 'den', 'des', 'del', 'della', 'delle', 'dello', 'degli', 'dei', 'di', 'da', 'das',
  'dos', 'do', 'du', 'la', 'le', 'lo', 'ter', 'ten', 'te', 'zu', 'zum', 'zur', 'bin', 'binti', 'bint', 'ibn',
  'al', 'el', 'ap', 'af', 'av', 'st', 'ste', 'saint', 'sainte', 'op', 'het',
]);

const EMPTY: ParsedName = { given: '', middle: '', family: '', titles: [], suffixes: [], genderHint: '' };

/** A token's dictionary form: lower case, accents folded, dots dropped. */
function key(token: string): string {
  return token
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[.]/g, '');
}

/** Whitespace tokens; "J." becomes J, "J.R.R." the initials J, R, R; a lone "." or "-" is dropped. */
function tokens(segment: string): string[] {
  const out: string[] = [];
  for (const raw of segment.split(/\s+/)) {
    if (raw === '' || /^[.\-–]+$/.test(raw)) continue;
    if (/^(\p{L}\.){2,}\p{L}?$/u.test(raw)) {
      for (const ch of raw.replace(/\./g, '')) out.push(ch);
      continue;
    }
    out.push(/^\p{L}\.$/u.test(raw) ? raw.slice(0, 1) : raw);
  }
  return out;
}

function isSuffix(token: string, afterComma: boolean): boolean {
  const k = key(token);
  return SUFFIXES.has(k) || (afterComma && COMMA_SUFFIXES.has(k));
}

/** Upper case with at least two letters, in a name that also has lower case: a surname by convention. */
function isCapitalised(token: string): boolean {
  const letters = token.replace(/[^\p{L}]/gu, '');
  return letters.length >= 2 && letters === letters.toUpperCase() && letters !== letters.toLowerCase();
}

/** Drops leading titles (collecting them); a qualifier such as "med" only counts after a title. */
function stripTitles(words: string[], titles: string[]): string[] {
  let i = 0;
  while (i < words.length) {
    const k = key(words[i]!);
    if (!TITLE_GENDER.has(k) || (TITLE_QUALIFIERS.has(k) && titles.length === 0)) break;
    titles.push(k);
    i++;
  }
  return words.slice(i);
}

/** Drops trailing suffixes (collecting them), keeping at least one word. */
function stripSuffixes(words: string[], suffixes: string[], afterComma: boolean): string[] {
  let end = words.length;
  while (end > 1 && isSuffix(words[end - 1]!, afterComma)) {
    suffixes.unshift(key(words[end - 1]!));
    end--;
  }
  return words.slice(0, end);
}

/** Given, middle and family from words in natural order ("Given Middle Family"). */
function splitNatural(words: readonly string[]): { given: string; middle: string; family: string } {
  if (words.length === 0) return { given: '', middle: '', family: '' };
  if (words.length === 1) return { given: words[0]!, middle: '', family: '' };
  // a capitalised run at either end among mixed case is the family name
  const mixed = words.some((w) => !isCapitalised(w) && /\p{Ll}/u.test(w));
  if (mixed) {
    const caps = words.map(isCapitalised);
    let lead = 0;
    while (lead < words.length && caps[lead]) lead++;
    if (lead > 0 && lead < words.length && caps.slice(lead).every((c) => !c)) {
      const rest = words.slice(lead);
      return { given: rest[0]!, middle: rest.slice(1).join(' '), family: words.slice(0, lead).join(' ') };
    }
  }
  let start = words.length - 1;
  while (start - 1 >= 1 && PARTICLES.has(key(words[start - 1]!))) start--;
  return { given: words[0]!, middle: words.slice(1, start).join(' '), family: words.slice(start).join(' ') };
}

/** Parses a full name; see the module comment for the conventions recognised. */
export function parseFullName(value: unknown): ParsedName {
  if (value === null || value === undefined) return EMPTY;
  let s = String(value).trim();
  if (s === '') return EMPTY;
  // nicknames: "Robert (Bob) Smith", 'Robert "Bob" Smith', "Robert 'Bob' Smith"
  s = s
    .replace(/\([^)]*\)|\[[^\]]*\]|"[^"]*"|“[^”]*”|«[^»]*»/g, ' ')
    .replace(/(^|\s)'[^'\s]+'(?=\s|$)/g, ' ')
    .replace(/[;/]+/g, ',');
  const titles: string[] = [];
  const suffixes: string[] = [];
  const segments = s
    .split(',')
    .map((seg) => tokens(seg))
    .filter((seg) => seg.length > 0);
  if (segments.length === 0) return EMPTY;
  // segments after the first that hold only suffixes ("Smith, John, Jr.", "John Smith, PhD")
  const nameSegments: string[][] = [segments[0]!];
  for (const seg of segments.slice(1)) {
    if (seg.every((w) => isSuffix(w, true))) suffixes.push(...seg.map(key));
    else nameSegments.push(seg);
  }
  let parts: { given: string; middle: string; family: string };
  if (nameSegments.length >= 2) {
    // "Family, Given Middle": titles may open either part ("Müller, Herr Hans")
    const family = stripSuffixes(stripTitles(nameSegments[0]!, titles), suffixes, true);
    const givenWords = stripSuffixes(stripTitles(nameSegments.slice(1).flat(), titles), suffixes, true);
    if (givenWords.length === 0) parts = splitNatural(family);
    else if (family.length === 0) parts = splitNatural(givenWords);
    else parts = { given: givenWords[0]!, middle: givenWords.slice(1).join(' '), family: family.join(' ') };
  } else {
    const words = stripSuffixes(stripTitles(nameSegments[0]!, titles), suffixes, false);
    parts = splitNatural(words);
  }
  let genderHint: '' | 'm' | 'f' = '';
  for (const t of titles) {
    const g = TITLE_GENDER.get(t) ?? '';
    if (g !== '') {
      genderHint = g;
      break;
    }
  }
  return { ...parts, titles, suffixes, genderHint };
}
