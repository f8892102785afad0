/**
 * How another pillar finds the profile that owns an identifier: the key of
 * the identifier index item (contracts/table.ts), spelled as the unify
 * consumer writes it. Values are looked up as the profiles hold them
 * (normalised: shared/normalize.ts normalizeIdentifier).
 */
import { idKey } from '../core/identity/keys';
import { IDENTIFIER_SK, identifierPk, PK, SK } from './table';

/** The table key (pk, sk) of the identifier index item of (type, value); its `profileId` attribute is the owner. */
export function identifierItemKey(type: string, value: string): Record<string, string> {
  return { [PK]: identifierPk(idKey(type, value)), [SK]: IDENTIFIER_SK };
}

/** Attribute of an identifier index item naming its owner. */
export const IDENTIFIER_OWNER_ATTRIBUTE = 'profileId';
