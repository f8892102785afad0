import { describe, expect, it } from 'vitest';
import { parseFullName } from '../../../lambda/unification/core/matching/person-name';
import { normalizeGender, normalizePerson } from '../../../lambda/unification/core/matching/normalize';

const parts = (name: string) => {
  const p = parseFullName(name);
  return [p.given, p.middle, p.family];
};

describe('parseFullName', () => {
  it('splits a name in natural order into given, middle and family names', () => {
    expect(parts('Mary Ann Evans')).toEqual(['Mary', 'Ann', 'Evans']);
    expect(parts('  Alan   Turing ')).toEqual(['Alan', '', 'Turing']);
    expect(parts('Cher')).toEqual(['Cher', '', '']);
    expect(parts('Juan Carlos Pablo Garcia')).toEqual(['Juan', 'Carlos Pablo', 'Garcia']);
  });

  it('drops titles from the front, several of them, and infers a gender from a gendered one', () => {
    const dr = parseFullName('Dr. Jane Goodall');
    expect([dr.given, dr.family, dr.titles, dr.genderHint]).toEqual(['Jane', 'Goodall', ['dr'], '']);
    const herr = parseFullName('Herr Prof. Dr. med. Hans Müller');
    expect([herr.given, herr.family, herr.titles, herr.genderHint]).toEqual(['Hans', 'Müller', ['herr', 'prof', 'dr', 'med'], 'm']);
    expect(parseFullName('Frau Erika Mustermann').genderHint).toBe('f');
    expect(parseFullName('Mrs Mary Smith').genderHint).toBe('f');
    expect(parseFullName('Mme Claire Dubois').genderHint).toBe('f');
    expect(parts('Mr. John Smith')).toEqual(['John', '', 'Smith']);
    // a title alone is no name
    expect(parts('Mr')).toEqual(['', '', '']);
  });

  it('keeps given names that look like titles when they are not in title position', () => {
    expect(parts('Don Johnson')).toEqual(['Don', '', 'Johnson']);
    expect(parts('John Dean')).toEqual(['John', '', 'Dean']);
    // "med" is a title only after another title
    expect(parts('Med Hondo')).toEqual(['Med', '', 'Hondo']);
  });

  it('drops suffixes, with or without a comma, but degrees that are also surnames only after a comma', () => {
    const jr = parseFullName('Martin Luther King Jr.');
    expect([jr.given, jr.middle, jr.family, jr.suffixes]).toEqual(['Martin', 'Luther', 'King', ['jr']]);
    expect(parts('John Smith, PhD')).toEqual(['John', '', 'Smith']);
    expect(parts('Henry Ford II')).toEqual(['Henry', '', 'Ford']);
    expect(parseFullName('Thurston Howell III, Esq.').suffixes).toEqual(['iii', 'esq']);
    expect(parts('John Ma')).toEqual(['John', '', 'Ma']);
    expect(parts('Jane Doe, MA')).toEqual(['Jane', '', 'Doe']);
  });

  it('reads "Family, Given Middle" order, with titles and suffixes on either side of the comma', () => {
    expect(parts('Müller, Hans')).toEqual(['Hans', '', 'Müller']);
    expect(parts('Evans, Mary Ann')).toEqual(['Mary', 'Ann', 'Evans']);
    expect(parts('Smith, John, Jr.')).toEqual(['John', '', 'Smith']);
    expect(parts('Smith Jr., John')).toEqual(['John', '', 'Smith']);
    expect(parts('Müller, Herr Dr. Hans')).toEqual(['Hans', '', 'Müller']);
    expect(parts('Ma, John')).toEqual(['John', '', 'Ma']);
  });

  it('keeps particles with the family name, in either order', () => {
    expect(parts('Ludwig van Beethoven')).toEqual(['Ludwig', '', 'van Beethoven']);
    expect(parts('Vincent van der Berg')).toEqual(['Vincent', '', 'van der Berg']);
    expect(parts('Juan Carlos de la Vega')).toEqual(['Juan', 'Carlos', 'de la Vega']);
    expect(parts('Otto von Bismarck')).toEqual(['Otto', '', 'von Bismarck']);
    expect(parts('Leonardo da Vinci')).toEqual(['Leonardo', '', 'da Vinci']);
    expect(parts('Mohammed bin Salman')).toEqual(['Mohammed', '', 'bin Salman']);
    expect(parts('van Beethoven, Ludwig')).toEqual(['Ludwig', '', 'van Beethoven']);
    // a particle-like first word is a given name, and single letters are initials
    expect(parts('Van Morrison')).toEqual(['Van', '', 'Morrison']);
    expect(parts('John E Smith')).toEqual(['John', 'E', 'Smith']);
  });

  it('keeps hyphenated names whole', () => {
    expect(parts('Jean-Luc Picard')).toEqual(['Jean-Luc', '', 'Picard']);
    expect(parts('Mary-Jane Watson-Parker')).toEqual(['Mary-Jane', '', 'Watson-Parker']);
    expect(parts('Dr. Hans-Peter van der Berg-Schmidt Jr.')).toEqual(['Hans-Peter', '', 'van der Berg-Schmidt']);
  });

  it('reads initials with or without dots and spaces', () => {
    expect(parts('J.R.R. Tolkien')).toEqual(['J', 'R R', 'Tolkien']);
    expect(parts('J. R. R. Tolkien')).toEqual(['J', 'R R', 'Tolkien']);
    expect(parts('Tolkien, J.R.R.')).toEqual(['J', 'R R', 'Tolkien']);
    expect(parts('T. S. Eliot')).toEqual(['T', 'S', 'Eliot']);
  });

  it('takes a capitalised surname among mixed-case given names as the family name wherever it stands', () => {
    expect(parts('MÜLLER Hans')).toEqual(['Hans', '', 'MÜLLER']);
    expect(parts('DE LA FONTAINE Jean')).toEqual(['Jean', '', 'DE LA FONTAINE']);
    expect(parts('Hans Peter MÜLLER')).toEqual(['Hans', 'Peter', 'MÜLLER']);
    // all upper case: no convention to read, natural order
    expect(parts('HANS MUELLER')).toEqual(['HANS', '', 'MUELLER']);
  });

  it('drops nicknames in quotes or brackets', () => {
    expect(parts('Robert "Bob" Smith')).toEqual(['Robert', '', 'Smith']);
    expect(parts("William 'Bill' Gates")).toEqual(['William', '', 'Gates']);
    expect(parts('Margaret (Peggy) Olson')).toEqual(['Margaret', '', 'Olson']);
    // an apostrophe inside a name is not a quote
    expect(parts("Conan O'Brien")).toEqual(['Conan', '', "O'Brien"]);
  });

  it('returns empty parts for no name', () => {
    for (const v of [undefined, null, '', '   ', ',', '()']) expect(parts(v as string)).toEqual(['', '', '']);
  });
});

describe('normalizeGender', () => {
  it('maps the usual spellings of male and female to m and f', () => {
    for (const v of ['m', 'M', 'male', 'Male', 'MAN', 'boy', 'männlich', 'Herr', 'H', 'homme', 'hombre', 'masculino', '1']) expect(normalizeGender(v)).toBe('m');
    for (const v of ['f', 'F', 'female', 'Woman', 'girl', 'W', 'weiblich', 'Frau', 'femme', 'mujer', 'V', 'vrouw', '2']) expect(normalizeGender(v)).toBe('f');
  });

  it('keeps other stated values as given and reads unknown as missing', () => {
    expect(normalizeGender('X')).toBe('x');
    expect(normalizeGender('Non-binary')).toBe('non binary');
    expect(normalizeGender('divers')).toBe('divers');
    for (const v of ['', 'unknown', 'U', '0', '9', 'n/a', 'not specified', null, undefined]) expect(normalizeGender(v)).toBe('');
  });
});

describe('normalizePerson with a full name', () => {
  it('fills only the name parts without a field of their own, and the gender from a title when none is given', () => {
    const p = normalizePerson({ id: '1', fullName: 'Frau Dr. Anna-Lena van der Berg', gender: '' });
    expect([p.firstName, p.middleName, p.lastName, p.gender, p.fullName]).toEqual(['anna lena', '', 'van der berg', 'f', 'anna lena van der berg']);
    const mixed = normalizePerson({ id: '2', firstName: 'Annie', fullName: 'Berg, Anna Maria', gender: 'M' });
    expect([mixed.firstName, mixed.middleName, mixed.lastName, mixed.gender]).toEqual(['annie', 'maria', 'berg', 'm']);
  });

  it('reads the birthplace like a city and categorical attributes by their declared names', () => {
    const p = normalizePerson({ id: '1', birthplace: ' Frankfurt am Main ', attributes: { job: 'Engineer', unused: 'x' } }, { categorical: ['job', 'nationality'] });
    expect(p.birthplace).toBe('frankfurt am main');
    expect(p.attributes).toEqual(['engineer', '']);
  });
});
