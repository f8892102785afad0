/** Keys of the identifier index: how an identifier is spelled as one string, and read back. */
import type { Identifier } from '../../../shared/events';

/** Key of an identifier in the identifier index. Types never contain '#'. */
export function idKey(type: string, value: string): string {
  return `${type}#${value}`;
}

export function parseIdKey(key: string): Identifier {
  const at = key.indexOf('#');
  return { type: key.slice(0, at), value: key.slice(at + 1) };
}
