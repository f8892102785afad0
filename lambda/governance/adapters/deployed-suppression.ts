/**
 * The suppression check of a deployed ingest function (collector, file
 * import, stream consumer): the DynamoDB suppression list (SUPPRESSION_TABLE)
 * and the hash key from Secrets Manager (HASH_KEY_SECRET_ARN, read once per
 * cold start, on the first check), behind the 30-second cache.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Identifier } from '../../shared/events';
import { GOVERNANCE_ENV } from '../contracts/env';
import type { SuppressionCheck } from '../ports';
import { DynamoSuppressionList } from './dynamodb-suppression-list';
import { secretsSubjectHasher } from './secrets-hash-key';
import { CachedSuppressionCheck } from './suppression-check';

export interface DeployedSuppressionClients {
  readonly doc: DynamoDBDocumentClient;
  readonly secrets: SecretsManagerClient;
}

/** A check whose hasher is read on first use (a failed read is tried again on the next check). */
export function deployedSuppressionCheck(clients: DeployedSuppressionClients, table: string, secretArn: string): SuppressionCheck {
  let check: Promise<CachedSuppressionCheck> | undefined;
  return {
    async suppressed(identifierSets: ReadonlyArray<readonly Identifier[]>): Promise<boolean[]> {
      if (identifierSets.every((ids) => ids.length === 0)) return identifierSets.map(() => false);
      check ??= secretsSubjectHasher(clients.secrets, secretArn).then((hasher) => new CachedSuppressionCheck(new DynamoSuppressionList(clients.doc, table), hasher));
      try {
        return await (await check).suppressed(identifierSets);
      } catch (err) {
        check = undefined;
        throw err;
      }
    },
  };
}

/**
 * The check an ingest function's environment configures: both variables set
 * → the check; neither → undefined (no suppression list in this deployment);
 * only one → an error at cold start naming the missing one.
 */
export function suppressionCheckFromEnv(clients: () => DeployedSuppressionClients, env: NodeJS.ProcessEnv = process.env): SuppressionCheck | undefined {
  const table = env[GOVERNANCE_ENV.suppressionTable];
  const secret = env[GOVERNANCE_ENV.hashKeySecret];
  if ((table === undefined || table === '') && (secret === undefined || secret === '')) return undefined;
  if (table === undefined || table === '') throw new Error(`Missing required environment variable ${GOVERNANCE_ENV.suppressionTable} (set with ${GOVERNANCE_ENV.hashKeySecret})`);
  if (secret === undefined || secret === '') throw new Error(`Missing required environment variable ${GOVERNANCE_ENV.hashKeySecret} (set with ${GOVERNANCE_ENV.suppressionTable})`);
  return deployedSuppressionCheck(clients(), table, secret);
}
