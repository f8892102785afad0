/**
 * Phonetic codes for names: American Soundex (the baseline, and what AWS Entity
 * Resolution's `Soundex` rule function uses) and NYSIIS, which keeps more of the
 * name and separates names better than Soundex. Pure functions over strings;
 * anything that is not an ASCII letter is ignored (normalise accents first).
 */

const SOUNDEX_DIGITS: Record<string, string> = {
  B: '1', F: '1', P: '1', V: '1',
  C: '2', G: '2', J: '2', K: '2', Q: '2', S: '2', X: '2', Z: '2',
  D: '3', T: '3',
  L: '4',
  M: '5', N: '5',
  R: '6',
};

/** American Soundex: first letter plus three digits (`Robert` → `R163`). Empty for no letters. */
export function soundex(input: string): string {
  const s = input.toUpperCase().replace(/[^A-Z]/g, '');
  if (s.length === 0) return '';
  let code = s[0]!;
  let last = SOUNDEX_DIGITS[s[0]!] ?? '';
  for (let i = 1; i < s.length && code.length < 4; i++) {
    const ch = s[i]!;
    const digit = SOUNDEX_DIGITS[ch];
    if (digit !== undefined) {
      if (digit !== last) code += digit;
      last = digit;
    } else if (ch !== 'H' && ch !== 'W') {
      // vowels (and Y) separate equal codes; H and W do not
      last = '';
    }
  }
  return code.padEnd(4, '0');
}

const isVowel = (ch: string | undefined): boolean =>
  ch === 'A' || ch === 'E' || ch === 'I' || ch === 'O' || ch === 'U';

/**
 * NYSIIS (New York State Identification and Intelligence System) phonetic code,
 * untruncated unless `maxLength` is given (the original system kept 6 letters).
 */
export function nysiis(input: string, maxLength = 0): string {
  let s = input.toUpperCase().replace(/[^A-Z]/g, '');
  if (s.length === 0) return '';
  // 1. prefixes
  if (s.startsWith('MAC')) s = 'MCC' + s.slice(3);
  else if (s.startsWith('KN')) s = 'NN' + s.slice(2);
  else if (s.startsWith('K')) s = 'C' + s.slice(1);
  else if (s.startsWith('PH') || s.startsWith('PF')) s = 'FF' + s.slice(2);
  else if (s.startsWith('SCH')) s = 'SSS' + s.slice(3);
  // 2. suffixes
  if (s.endsWith('EE') || s.endsWith('IE')) s = s.slice(0, -2) + 'Y';
  else if (/(DT|RT|RD|NT|ND)$/.test(s)) s = s.slice(0, -2) + 'D';
  // 3. the first letter is kept
  let key = s[0]!;
  // 4. translate the rest
  for (let i = 1; i < s.length; i++) {
    const ch = s[i]!;
    const next = s[i + 1];
    const prev = s[i - 1]!;
    let out: string;
    if (ch === 'E' && next === 'V') {
      out = 'AF';
      i++;
    } else if (isVowel(ch)) out = 'A';
    else if (ch === 'Q') out = 'G';
    else if (ch === 'Z') out = 'S';
    else if (ch === 'M') out = 'N';
    else if (ch === 'K') out = next === 'N' ? 'N' : 'C';
    else if (ch === 'S' && next === 'C' && s[i + 2] === 'H') {
      out = 'SS';
      i += 2;
    } else if (ch === 'P' && next === 'H') {
      out = 'F';
      i++;
    } else if (ch === 'H' && (!isVowel(prev) || next === undefined || !isVowel(next))) {
      out = isVowel(prev) ? 'A' : prev;
    } else if (ch === 'W' && isVowel(prev)) out = prev;
    else out = ch;
    if (out[out.length - 1] !== key[key.length - 1]) key += out;
  }
  // 5-7. trailing S, AY, A
  if (key.length > 1 && key.endsWith('S')) key = key.slice(0, -1);
  if (key.endsWith('AY')) key = key.slice(0, -2) + 'Y';
  if (key.length > 1 && key.endsWith('A')) key = key.slice(0, -1);
  return maxLength > 0 ? key.slice(0, maxLength) : key;
}
