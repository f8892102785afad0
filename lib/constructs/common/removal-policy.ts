/** The config's removal policy and log retention as the CDK values applied to every stateful resource. */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { C360Config } from '../../../lambda/config';

/**
 * Maps the config's `removalPolicy` to the CDK value applied, explicitly, to every
 * stateful resource (keys, stream, buckets, tables, queues, log groups).
 *
 * - `retain`: `cdk destroy` and resource replacement leave the resource (and its data) behind.
 * - `destroy`: the resource is deleted with the stack. Buckets must be emptied first:
 *   the app never deploys an auto-delete custom resource.
 */
export function toRemovalPolicy(policy: C360Config['removalPolicy']): RemovalPolicy {
  switch (policy) {
    case 'retain':
      return RemovalPolicy.RETAIN;
    case 'destroy':
      return RemovalPolicy.DESTROY;
  }
}

const RETENTION_DAYS: ReadonlySet<number> = new Set(
  Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number'),
);

/** Maps `logRetentionDays` to CloudWatch Logs' enum, failing on a value CloudWatch does not offer. */
export function toRetentionDays(days: number): logs.RetentionDays {
  if (!RETENTION_DAYS.has(days)) {
    throw new Error(`logRetentionDays: CloudWatch Logs has no ${days}-day retention`);
  }
  return days as logs.RetentionDays;
}
