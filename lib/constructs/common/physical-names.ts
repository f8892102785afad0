/**
 * Physical names for the resources whose type requires one. A name built
 * from the app name alone is shared by every deployment that uses it (and by
 * app names that normalise alike, `My-App` and `my-app`), and the second
 * deployment in an account and Region then fails on a name already taken.
 * These names end in a suffix hashed from the stack's name, its account and
 * Region when they are known, and the owning construct's path: unique per
 * deployment, stable from one synthesis to the next, and a plain string, so
 * that its length and characters are checked here, at synthesis. Resources
 * that CloudFormation can name itself are left unnamed instead.
 */
import { createHash } from 'node:crypto';
import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Hex characters of the deployment suffix. */
export const DEPLOYMENT_SUFFIX_LENGTH = 8;

/** What one service accepts as a name. */
export interface NameRules {
  /** The service's own limits. */
  readonly minLength: number;
  readonly maxLength: number;
  /** One allowed character (a character class, no flags). */
  readonly allowed: RegExp;
  /** Replaces each run of characters outside `allowed`, and joins the suffix. */
  readonly separator: string;
  /** The service folds or rejects upper case. */
  readonly lowerCase: boolean;
}

/** The naming rules of the resource types c360 must name. */
export const NAME_RULES = {
  /** Glue (and Athena, which queries it) database: lower case letters, digits and `_`, at most 255. */
  glueDatabase: { minLength: 1, maxLength: 255, allowed: /[a-z0-9_]/, separator: '_', lowerCase: true },
  /** Entity Resolution workflow and schema mapping: `^[a-zA-Z_0-9-]*$`, at most 255. */
  entityResolution: { minLength: 1, maxLength: 255, allowed: /[A-Za-z0-9_-]/, separator: '-', lowerCase: false },
  /** Redshift Serverless namespace and workgroup: 3 to 64 of lower case letters, digits and `-`. */
  redshiftServerless: { minLength: 3, maxLength: 64, allowed: /[a-z0-9-]/, separator: '-', lowerCase: true },
  /** QuickSight data source, data set and dashboard ids: `[\w-]`; data set ids take at most 96. */
  quickSightId: { minLength: 1, maxLength: 96, allowed: /[a-z0-9_-]/, separator: '-', lowerCase: true },
  /** Lake Formation tag keys: at most 128 of letters, digits, spaces and `_.:/=+-@%`; kept lower case. */
  lakeFormationTag: { minLength: 1, maxLength: 128, allowed: /[a-z0-9_.:/=+@%-]/, separator: '-', lowerCase: true },
} as const satisfies Record<string, NameRules>;

/** The whole-name pattern of `rules`. */
export function namePattern(rules: NameRules): RegExp {
  return new RegExp(`^${rules.allowed.source}{${rules.minLength},${rules.maxLength}}$`);
}

/**
 * The suffix of `scope`'s deployment: hex of a hash of the stack's name, its
 * account and Region (each when resolved at synthesis) and `scope`'s path.
 */
export function deploymentSuffix(scope: IConstruct): string {
  const stack = Stack.of(scope);
  const parts = [stack.stackName, stack.account, stack.region].filter((part) => !Token.isUnresolved(part));
  return createHash('sha256')
    .update([...parts, scope.node.path].join('\n'))
    .digest('hex')
    .slice(0, DEPLOYMENT_SUFFIX_LENGTH);
}

/**
 * `base`, made to fit `rules` (case folded, other characters replaced by the
 * separator, shortened), then the separator and `scope`'s deployment suffix.
 */
export function uniquePhysicalName(scope: IConstruct, base: string, rules: NameRules): string {
  if (Token.isUnresolved(base)) throw new Error(`uniquePhysicalName: the base of a name must be known at synthesis, got ${base}`);
  const { separator } = rules;
  const disallowed = new RegExp(`(?:(?!${rules.allowed.source}).)+`, 'gs');
  const edges = new RegExp(`^(?:${escapeRegExp(separator)})+|(?:${escapeRegExp(separator)})+$`, 'g');
  const folded = rules.lowerCase ? base.toLowerCase() : base;
  const room = rules.maxLength - separator.length - DEPLOYMENT_SUFFIX_LENGTH;
  const stem = folded.replace(disallowed, separator).replace(edges, '').slice(0, room).replace(edges, '');
  const name = `${stem}${stem === '' ? '' : separator}${deploymentSuffix(scope)}`;
  if (!namePattern(rules).test(name)) throw new Error(`uniquePhysicalName: "${name}" (from "${base}") does not fit ${namePattern(rules).source}`);
  return name;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
