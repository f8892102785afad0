/**
 * The custom resource behind the shipped Athena views (lib/constructs/analytics/athena-views.ts),
 * as the Provider framework's onEvent handler: Create and Update run each
 * view's `CREATE OR REPLACE VIEW` in the workgroup, in file order, and answer
 * only once every statement has succeeded; Delete drops the views
 * (`DROP VIEW IF EXISTS`, in reverse order). A failed statement fails the
 * deployment with the view's name and Athena's reason.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { runAthenaStatements, type AthenaStatementPort, type NamedStatement } from '../usecases/run-athena-statements';

/** A view name as view files spell it (`NNN-<name>.sql`): safe to write into DDL unquoted. */
const VIEW_NAME = /^[a-z][a-z0-9_]*$/;
const GLUE_NAME = /^[a-z0-9_]{1,255}$/;

/** The resource's properties (CloudFormation passes every scalar as a string). */
export const AthenaViewsProperties = z.object({
  WorkGroup: z.string().check(z.minLength(1)),
  Database: z.string().check(z.regex(GLUE_NAME, 'a Glue database name (lower case letters, digits, _)')),
  Views: z
    .array(
      z.object({
        Name: z.string().check(z.regex(VIEW_NAME, 'a view name (lower case letters, digits, _)')),
        Sql: z.string().check(z.regex(/^\s*CREATE\s+OR\s+REPLACE\s+VIEW\s/i, 'a CREATE OR REPLACE VIEW statement')),
      }),
    )
    .check(z.minLength(1)),
});
export type AthenaViewsProperties = z.infer<typeof AthenaViewsProperties>;

/** What the Provider framework expects back from onEvent. */
export interface AthenaViewsResponse {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly ViewCount: number };
}

export interface AthenaViewsDeps {
  readonly athena: AthenaStatementPort;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Milliseconds between status reads. @default 1000 */
  readonly pollIntervalMs?: number;
}

/** The part of the Lambda context this reads. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** Stable for a database: a changed view file updates the resource in place; a new database replaces it (and the old one's views are dropped). */
export const physicalResourceId = (database: string) => `c360-athena-views:${database}`;

function parseProperties(properties: unknown): AthenaViewsProperties {
  const parsed = AthenaViewsProperties.safeParse(properties);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(properties)'}: ${i.message}`).join('; ');
    throw new Error(`Athena views: invalid resource properties: ${issues}`);
  }
  const seen = new Set<string>();
  for (const view of parsed.data.Views) {
    if (seen.has(view.Name)) throw new Error(`Athena views: view ${view.Name} is listed twice`);
    seen.add(view.Name);
  }
  return parsed.data;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createAthenaViewsHandler(deps: AthenaViewsDeps) {
  const sleep = deps.sleep ?? defaultSleep;
  return async (event: CloudFormationCustomResourceEvent, context?: RemainingTime): Promise<AthenaViewsResponse> => {
    const run = (statements: NamedStatement[], props: AthenaViewsProperties) =>
      runAthenaStatements(statements, { workGroup: props.WorkGroup, database: props.Database }, {
        athena: deps.athena,
        sleep,
        ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
        ...(context === undefined ? {} : { remainingTimeMs: () => context.getRemainingTimeInMillis() }),
      });

    if (event.RequestType === 'Delete') {
      const parsed = AthenaViewsProperties.safeParse(event.ResourceProperties);
      // Properties that never parsed never created a view (Create failed on them): nothing to drop.
      if (!parsed.success) return { PhysicalResourceId: event.PhysicalResourceId, Data: { ViewCount: 0 } };
      const props = parsed.data;
      // Reverse creation order: a view goes before the views it reads.
      const drops = [...props.Views].reverse().map((v) => ({ name: v.Name, sql: `DROP VIEW IF EXISTS ${v.Name}` }));
      await run(drops, props);
      return { PhysicalResourceId: event.PhysicalResourceId, Data: { ViewCount: drops.length } };
    }

    const props = parseProperties(event.ResourceProperties);
    await run(
      props.Views.map((v) => ({ name: v.Name, sql: v.Sql })),
      props,
    );
    return { PhysicalResourceId: physicalResourceId(props.Database), Data: { ViewCount: props.Views.length } };
  };
}
