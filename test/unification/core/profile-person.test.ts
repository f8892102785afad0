import { describe, expect, it } from 'vitest';
import { PERSON_FIELDS } from '../../../lambda/config/unification/person-fields';
import { profileToPerson } from '../../../lambda/unification/core/matching/profile-person';
import { personColumn, PROFILE_ID_COLUMN } from '../../../lambda/unification/contracts/snapshot';
import { emptyProfile, type Profile, type TraitValue } from '../../../lambda/unification/core/profile/profile';

function profileWith(traits: Record<string, unknown>, identifiers: Record<string, string[]> = {}): Profile {
  const base = emptyProfile('p-1', '2026-01-01T00:00:00.000Z');
  const wrapped: Record<string, TraitValue> = {};
  for (const [name, v] of Object.entries(traits)) wrapped[name] = { v, t: 1, m: 'm1' };
  return { ...base, traits: wrapped, identifiers };
}

describe('profileToPerson', () => {
  it('maps Segment reserved traits, the address object and the birthday timestamp', () => {
    const person = profileToPerson(
      profileWith({
        firstName: 'Ada',
        lastName: 'Lovelace',
        birthday: '1815-12-10T00:00:00.000Z',
        email: 'ada@example.com',
        phone: '+44 20 7946 0000',
        address: { street: '12 St James Square', city: 'London', state: 'LND', postalCode: 'SW1Y 4JH', country: 'GB' },
        plan: 'pro',
      }),
    );
    expect(person).toEqual({
      id: 'p-1',
      firstName: 'Ada',
      lastName: 'Lovelace',
      dateOfBirth: '1815-12-10',
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
      address1: '12 St James Square',
      city: 'London',
      state: 'LND',
      postcode: 'SW1Y 4JH',
      country: 'GB',
    });
  });

  it('reads snake_case traits and flat address traits', () => {
    const person = profileWith({ first_name: 'Grace', last_name: 'Hopper', date_of_birth: '1906-12-09', zip: '10001', city: 'New York' });
    expect(profileToPerson(person)).toEqual({
      id: 'p-1',
      firstName: 'Grace',
      lastName: 'Hopper',
      dateOfBirth: '1906-12-09',
      postcode: '10001',
      city: 'New York',
    });
  });

  it('prefers a reserved trait over its aliases and flat traits over the address object', () => {
    const person = profileToPerson(profileWith({ firstName: 'Ada', first_name: 'Augusta', city: 'Paris', address: { city: 'London' } }));
    expect(person?.firstName).toBe('Ada');
    expect(person?.city).toBe('Paris');
  });

  it('splits a full name when first and last name are missing', () => {
    expect(profileToPerson(profileWith({ name: 'Mary  Ann Evans' }))).toEqual({ id: 'p-1', firstName: 'Mary', middleName: 'Ann', lastName: 'Evans' });
    expect(profileToPerson(profileWith({ name: 'Cher' }))).toEqual({ id: 'p-1', firstName: 'Cher' });
    expect(profileToPerson(profileWith({ name: 'Dr. Alan Turing, Jr.' }))).toEqual({ id: 'p-1', firstName: 'Alan', lastName: 'Turing' });
    expect(profileToPerson(profileWith({ name: 'Mr' }))).toBeUndefined();
    // An explicit first name wins; the full name is not split then.
    expect(profileToPerson(profileWith({ name: 'Mary Ann Evans', firstName: 'George' }))).toEqual({ id: 'p-1', firstName: 'George' });
  });

  it('splits a full name with particles, comma order and a gendered title', () => {
    expect(profileToPerson(profileWith({ name: 'van der Berg, Anna Maria' }))).toEqual({ id: 'p-1', firstName: 'Anna', middleName: 'Maria', lastName: 'van der Berg' });
    expect(profileToPerson(profileWith({ name: 'Frau Erika Mustermann' }))).toEqual({ id: 'p-1', firstName: 'Erika', lastName: 'Mustermann', gender: 'f' });
    // a stated gender wins over the title's
    expect(profileToPerson(profileWith({ name: 'Mr Alex Smith', gender: 'x' }))?.gender).toBe('x');
  });

  it('maps gender, birthplace and full-name traits, and the declared categorical attributes', () => {
    const person = profileToPerson(
      profileWith({ full_name: 'Ada Lovelace', sex: 'F', placeOfBirth: 'London', occupation: 'mathematician', plan: 'pro', nationality: '' }),
      ['occupation', 'nationality'],
    );
    expect(person).toEqual({ id: 'p-1', fullName: 'Ada Lovelace', gender: 'F', birthplace: 'London', attributes: { occupation: 'mathematician' } });
    // attributes alone are nothing to match on
    expect(profileToPerson(profileWith({ occupation: 'mathematician' }), ['occupation'])).toBeUndefined();
  });

  it('takes email and phone from the linked identifiers when no trait holds them', () => {
    const person = profileToPerson(profileWith({ firstName: 'Alan' }, { email: ['alan@example.com', 'turing@example.com'], phone: ['+441234567890'], userId: ['u1'] }));
    expect(person).toEqual({ id: 'p-1', firstName: 'Alan', email: 'alan@example.com', phone: '+441234567890' });
    const withTrait = profileToPerson(profileWith({ email: 'current@example.com' }, { email: ['alan@example.com'] }));
    expect(withTrait?.email).toBe('current@example.com');
  });

  it('returns undefined when nothing can be matched on, ignoring blank and non-scalar values', () => {
    expect(profileToPerson(profileWith({}))).toBeUndefined();
    expect(profileToPerson(profileWith({ plan: 'pro', firstName: '  ', lastName: null, email: { work: 'x@y.z' }, phone: ['1'], address: 'n/a' }, { userId: ['u1'] }))).toBeUndefined();
  });

  it('keeps numbers as text', () => {
    expect(profileToPerson(profileWith({ birthYear: 1990, postalCode: 2000 }))).toEqual({ id: 'p-1', birthYear: '1990', postcode: '2000' });
  });
});

describe('personColumn', () => {
  it('names columns in snake case, unique per field, never the id column', () => {
    expect(personColumn('dateOfBirth')).toBe('date_of_birth');
    expect(personColumn('address1')).toBe('address1');
    expect(personColumn('email')).toBe('email');
    const columns = PERSON_FIELDS.map(personColumn);
    expect(new Set(columns).size).toBe(PERSON_FIELDS.length);
    expect(columns).not.toContain(PROFILE_ID_COLUMN);
    for (const c of columns) expect(c).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});
