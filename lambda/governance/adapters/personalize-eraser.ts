/**
 * Erases a person from Amazon Personalize: their profile ids (Personalize's
 * USER_ID is the c360 profile id, never an email) are written as a CSV with
 * one USER_ID column to the models bucket under `personalize/deletions/`,
 * and a data deletion job is created on the dataset group with the role
 * Personalize assumes to read it. The job removes them from every dataset of
 * the group and from the models within about a day; the report says
 * `scheduled`, and the next training (a new solution version) is the first
 * without them. The list itself holds profile ids only and is removed by the
 * bucket's lifecycle.
 *
 * A retried step finds its job already created (same name, from the request
 * id) and reports it scheduled again rather than failing.
 */
import { CreateDataDeletionJobCommand, type PersonalizeClient } from '@aws-sdk/client-personalize';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { stringify } from 'csv-stringify/sync';
import { personalizeDeletionJobName, personalizeDeletionKey, type ErasureSubject, type StoreReport } from '../contracts/erasure';
import type { StoreEraser } from '../ports';

export interface PersonalizeEraserOptions {
  readonly datasetGroupArn: string;
  /** The models bucket. */
  readonly bucket: string;
  /** The role Personalize assumes to read the deletion list. */
  readonly roleArn: string;
  readonly clock?: () => number;
}

export class PersonalizeEraser implements StoreEraser {
  readonly store = 'personalize';

  constructor(
    private readonly s3: S3Client,
    private readonly personalize: PersonalizeClient,
    private readonly opts: PersonalizeEraserOptions,
  ) {}

  async erase(subject: ErasureSubject): Promise<StoreReport> {
    const completedAt = () => new Date((this.opts.clock ?? Date.now)()).toISOString();
    if (subject.profileIds.length === 0) {
      return { store: this.store, method: 'CreateDataDeletionJob', status: 'nothing-found', itemsAffected: 0, completedAt: completedAt(), message: 'no profile of theirs: no Personalize user to delete' };
    }
    const key = personalizeDeletionKey(subject.requestId);
    const body = stringify([['USER_ID'], ...subject.profileIds.map((id) => [id])]);
    await this.s3.send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: key, Body: body, ContentType: 'text/csv' }));
    const jobName = personalizeDeletionJobName(subject.requestId);
    let job: string;
    try {
      const out = await this.personalize.send(
        new CreateDataDeletionJobCommand({
          jobName,
          datasetGroupArn: this.opts.datasetGroupArn,
          dataSource: { dataLocation: `s3://${this.opts.bucket}/${key}` },
          roleArn: this.opts.roleArn,
        }),
      );
      job = out.dataDeletionJobArn ?? jobName;
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceAlreadyExistsException') throw err;
      job = `${jobName} (created by an earlier attempt)`;
    }
    return {
      store: this.store,
      method: 'CreateDataDeletionJob',
      status: 'scheduled',
      itemsAffected: 0,
      completedAt: completedAt(),
      message:
        `data deletion job ${job} started for ${subject.profileIds.length} users: Personalize deletes them from the dataset group's datasets and models within about a day; ` +
        'retrain (a new solution version) to have recommendations no longer learned from them',
    };
  }
}
