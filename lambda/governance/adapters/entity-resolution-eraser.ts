/**
 * The `matching` store: what batch matching holds about the person.
 *
 * - The profile snapshot Entity Resolution reads (`profiles/snapshot/`, CSV)
 *   and the workflow's output (`entity-resolution/output/<workflow>/<job>/`,
 *   CSV with the input fields and MatchID) in the lake bucket: rewritten
 *   without the person's rows, older versions deleted (s3-file-eraser.ts).
 * - Entity Resolution's own store of the workflow: BatchDeleteUniqueId for
 *   every profile id of the person (the snapshot's unique id column is the
 *   profile id). The ids travel in a request header, so they are sent in
 *   small batches.
 *
 * Without a workflow (batch matching not deployed) only the objects are
 * rewritten, and the message says so.
 */
import { BatchDeleteUniqueIdCommand, type EntityResolutionClient } from '@aws-sdk/client-entityresolution';
import type { S3Client } from '@aws-sdk/client-s3';
import { SNAPSHOT_PREFIX } from '../../unification/contracts/snapshot';
import type { ErasureSubject, StoreReport } from '../contracts/erasure';
import type { StoreEraser } from '../ports';
import { S3FileEraser, type S3FileEraserOptions } from './s3-file-eraser';

/**
 * Where Entity Resolution writes its results in the lake bucket. Mirrors
 * MATCH_OUTPUT_PREFIX of the unification stack's entity-resolution construct,
 * which should move to unification/contracts/snapshot.ts so that both import
 * one constant.
 */
export const MATCH_OUTPUT_PREFIX = 'entity-resolution/output/';

/** Unique ids per BatchDeleteUniqueId call: they are sent as one header. */
export const UNIQUE_ID_BATCH = 25;

export interface EntityResolutionEraserOptions extends S3FileEraserOptions {
  /** The matching workflow; absent when batch matching is not deployed. */
  readonly workflowName?: string;
}

export class EntityResolutionEraser implements StoreEraser {
  readonly store = 'matching';
  private readonly files: S3FileEraser;
  private readonly clock: () => number;

  constructor(
    s3: S3Client,
    private readonly er: EntityResolutionClient | undefined,
    lakeBucket: string,
    private readonly opts: EntityResolutionEraserOptions = {},
  ) {
    this.files = new S3FileEraser(
      s3,
      this.store,
      [
        { bucket: lakeBucket, prefix: SNAPSHOT_PREFIX },
        { bucket: lakeBucket, prefix: MATCH_OUTPUT_PREFIX },
      ],
      opts,
    );
    this.clock = opts.clock ?? Date.now;
  }

  async erase(subject: ErasureSubject): Promise<StoreReport> {
    const files = await this.files.erase(subject);
    const workflow = this.opts.workflowName;
    if (workflow === undefined || this.er === undefined) {
      return { ...files, message: `${files.message ?? ''}; no Entity Resolution workflow deployed` };
    }
    const ids = await this.deleteUniqueIds(workflow, subject.profileIds);
    const failed = files.status === 'failed' || ids.serviceErrors > 0;
    const erased = files.status === 'erased' || ids.deleted > 0;
    return {
      store: this.store,
      method: 'rewrite objects, BatchDeleteUniqueId',
      status: failed ? 'failed' : erased ? 'erased' : 'nothing-found',
      itemsAffected: files.itemsAffected + ids.deleted,
      objectsAffected: files.objectsAffected ?? 0,
      completedAt: new Date(this.clock()).toISOString(),
      message: [
        files.message,
        `Entity Resolution: ${ids.deleted} unique ids deleted, ${ids.disconnected} disconnected`,
        ...(ids.unknown > 0 ? [`${ids.unknown} not held by the workflow`] : []),
        ...(ids.serviceErrors > 0 ? [`${ids.serviceErrors} failed with a service error (retry the step)`] : []),
        ...(ids.refused === undefined ? [] : [`BatchDeleteUniqueId refused: ${ids.refused}`]),
      ]
        .filter((m) => m !== undefined && m.length > 0)
        .join('; '),
    };
  }

  private async deleteUniqueIds(workflowName: string, profileIds: readonly string[]) {
    const out = { deleted: 0, disconnected: 0, unknown: 0, serviceErrors: 0, refused: undefined as string | undefined };
    for (let i = 0; i < profileIds.length; i += UNIQUE_ID_BATCH) {
      const uniqueIds = profileIds.slice(i, i + UNIQUE_ID_BATCH);
      try {
        const res = await (this.er as EntityResolutionClient).send(new BatchDeleteUniqueIdCommand({ workflowName, uniqueIds }));
        out.deleted += res.deleted?.length ?? 0;
        out.disconnected += res.disconnectedUniqueIds?.length ?? 0;
        for (const e of res.errors ?? []) {
          // VALIDATION_ERROR: an id the workflow does not hold (or cannot take); SERVICE_ERROR: worth a retry.
          if (e.errorType === 'SERVICE_ERROR') out.serviceErrors++;
          else out.unknown++;
        }
      } catch (err) {
        // A workflow that keeps no per-record store refuses the call: what it holds is its
        // output objects, rewritten above. Anything else (throttling, access) fails the step.
        if ((err as { name?: string }).name !== 'ValidationException') throw err;
        out.refused = 'ValidationException';
        break;
      }
    }
    return out;
  }
}
