/**
 * Identity rules from config: identifier priority, a limit per type, and
 * blocked values. Pure; compiled once per process.
 */

export interface IdentityRulesConfig {
  /** Identifier types, highest priority first. */
  readonly identifiers: readonly string[];
  readonly limits: Readonly<Record<string, number>>;
  /** Exact values (case-insensitive) or `/regex/flags`. */
  readonly blocked: readonly string[];
}

export interface IdentityRules {
  readonly identifiers: readonly string[];
  /** Lower is higher priority. */
  priority(type: string): number;
  /** The most values of this type one profile may hold (Infinity when unlimited). */
  limit(type: string): number;
  /** Why a value never links anything, or undefined when it may. */
  blockedReason(value: string): string | undefined;
}

const REGEX = /^\/(.*)\/([a-z]*)$/s;

/** Compiles a blocked-value entry; throws with the entry in the message when it is not a valid regex. */
export function compileBlocked(entry: string): (value: string) => boolean {
  const m = REGEX.exec(entry);
  if (m === null) {
    const exact = entry.toLowerCase();
    return (value) => value.toLowerCase() === exact;
  }
  const re = new RegExp(m[1] as string, m[2]);
  return (value) => re.test(value);
}

export function identityRules(cfg: IdentityRulesConfig): IdentityRules {
  const order = new Map(cfg.identifiers.map((t, i) => [t, i]));
  const blocked = cfg.blocked.map((entry) => ({ entry, test: compileBlocked(entry) }));
  return {
    identifiers: cfg.identifiers,
    priority: (type) => order.get(type) ?? order.size,
    limit: (type) => cfg.limits[type] ?? Number.POSITIVE_INFINITY,
    blockedReason: (value) => {
      const hit = blocked.find((b) => b.test(value));
      return hit === undefined ? undefined : `blocked value (matches ${hit.entry})`;
    },
  };
}
