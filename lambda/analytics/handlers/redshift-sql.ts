/**
 * The deploy-time SQL custom resource (CDK Provider framework, with an
 * `isComplete` waiter): runs the statements given in the resource's
 * properties on a Redshift Serverless workgroup through the Data API, one
 * after the other, and fails the deployment with the failing statement's name
 * and Redshift's error.
 *
 * One function serves both steps: `onEvent` validates the properties and
 * marks its answer, so the framework's `isComplete` calls (which carry the
 * original event plus that answer) are told apart from the first call.
 *
 * Delete does nothing. The statements create objects inside the namespace's
 * database (schemas, a streaming view, views), so they go with the namespace
 * when the warehouse is deleted; when the namespace is retained (removal
 * policy `retain`) the objects it keeps still work, and dropping them would
 * break their readers for nothing. A replacement (new workgroup or database)
 * runs the statements on the new target.
 */
import * as z from 'zod/mini';
import type { RedshiftTarget } from '../adapters/redshift-data';
import { advanceStatements, type SqlStatement, type StatementRunner } from '../usecases/run-redshift-statements';

/** What `onEvent` adds to its answer so that the `isComplete` calls are recognised. */
export const WAIT_MARKER = 'C360RedshiftSqlWait';

const propertiesSchema = z.looseObject({
  WorkgroupName: z.string().check(z.minLength(3)),
  Database: z.string().check(z.minLength(1)),
  Statements: z
    .array(z.strictObject({ Name: z.string().check(z.minLength(1)), Sql: z.string().check(z.minLength(1)) }))
    .check(z.minLength(1)),
});

/** The part of a CloudFormation custom resource request (as the Provider framework passes it) this reads. */
export interface RedshiftSqlEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly RequestId: string;
  readonly LogicalResourceId?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Readonly<Record<string, unknown>>;
  readonly [WAIT_MARKER]?: boolean;
}

export interface OnEventResult {
  readonly PhysicalResourceId: string;
  readonly [WAIT_MARKER]: true;
}

export interface IsCompleteResult {
  readonly IsComplete: boolean;
}

export interface RedshiftSqlDeps {
  /** The statement runner for a target (the Data API deployed). */
  readonly runnerFor: (target: RedshiftTarget) => StatementRunner;
  /** Where progress is reported (statement names and counts only). */
  readonly log?: (message: string, details: Readonly<Record<string, unknown>>) => void;
}

interface ParsedProperties {
  readonly target: RedshiftTarget;
  readonly statements: readonly SqlStatement[];
}

function parseProperties(properties: Readonly<Record<string, unknown>>): ParsedProperties {
  const parsed = propertiesSchema.safeParse(properties);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`Redshift SQL custom resource: invalid properties (${issues})`);
  }
  const { WorkgroupName, Database, Statements } = parsed.data;
  return {
    target: { workgroupName: WorkgroupName, database: Database },
    statements: Statements.map((s) => ({ name: s.Name, sql: s.Sql })),
  };
}

export function createRedshiftSqlHandler(deps: RedshiftSqlDeps) {
  const log = deps.log ?? (() => {});

  const onEvent = (event: RedshiftSqlEvent): OnEventResult => {
    if (event.RequestType === 'Delete') {
      if (event.PhysicalResourceId === undefined) throw new Error('Redshift SQL custom resource: a Delete request carries a PhysicalResourceId');
      return { PhysicalResourceId: event.PhysicalResourceId, [WAIT_MARKER]: true };
    }
    // Fail fast, before any statement runs, on properties the stack got wrong.
    const { target } = parseProperties(event.ResourceProperties);
    return { PhysicalResourceId: `${target.workgroupName}/${target.database}`, [WAIT_MARKER]: true };
  };

  const isComplete = async (event: RedshiftSqlEvent): Promise<IsCompleteResult> => {
    if (event.RequestType === 'Delete') return { IsComplete: true };
    const { target, statements } = parseProperties(event.ResourceProperties);
    const progress = await advanceStatements(deps.runnerFor(target), statements, event.RequestId);
    log(progress.done ? 'Redshift statements finished' : 'Redshift statement running', {
      workgroup: target.workgroupName,
      finished: progress.finished,
      total: statements.length,
      ...(progress.done ? {} : { running: progress.running }),
    });
    return { IsComplete: progress.done };
  };

  return async (event: RedshiftSqlEvent): Promise<OnEventResult | IsCompleteResult> =>
    event[WAIT_MARKER] === true ? isComplete(event) : onEvent(event);
}
