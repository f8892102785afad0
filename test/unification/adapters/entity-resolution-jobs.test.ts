import { EntityResolutionClient, ListMatchingJobsCommand, StartMatchingJobCommand } from '@aws-sdk/client-entityresolution';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EntityResolutionJobs, MAX_JOB_PAGES } from '../../../lambda/unification/adapters/entity-resolution-jobs';

const er = mockClient(EntityResolutionClient);
const jobs = () => new EntityResolutionJobs(new EntityResolutionClient({ region: 'us-east-1' }), 'people');

beforeEach(() => er.reset());

describe('EntityResolutionJobs', () => {
  it('finds a job still active on a later page of the listing', async () => {
    er.on(ListMatchingJobsCommand)
      .resolvesOnce({ jobs: [{ jobId: 'j-1', status: 'SUCCEEDED' }, { jobId: 'j-2', status: 'FAILED' }] as never, nextToken: 't-1' })
      .resolvesOnce({ jobs: [{ jobId: 'j-3', status: 'SUCCEEDED' }, { jobId: 'j-4', status: 'QUEUED' }] as never, nextToken: 't-2' });
    expect(await jobs().activeJob()).toBe('j-4');
    const calls = er.commandCalls(ListMatchingJobsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { workflowName: 'people', maxResults: 25 },
      { workflowName: 'people', maxResults: 25, nextToken: 't-1' },
    ]);
  });

  it('reports no active job when the listing ends without one', async () => {
    er.on(ListMatchingJobsCommand).resolves({ jobs: [{ jobId: 'j-1', status: 'SUCCEEDED' }] as never });
    expect(await jobs().activeJob()).toBeUndefined();
    expect(er.commandCalls(ListMatchingJobsCommand)).toHaveLength(1);
  });

  it(`stops after ${MAX_JOB_PAGES} pages of finished jobs`, async () => {
    let page = 0;
    er.on(ListMatchingJobsCommand).callsFake(() => ({ jobs: [{ jobId: `j-${page}`, status: 'SUCCEEDED' }], nextToken: `t-${++page}` }));
    expect(await jobs().activeJob()).toBeUndefined();
    expect(er.commandCalls(ListMatchingJobsCommand)).toHaveLength(MAX_JOB_PAGES);
  });

  it("starts a job of the workflow and returns its id", async () => {
    er.on(StartMatchingJobCommand).resolves({ jobId: 'j-new' });
    expect(await jobs().start()).toBe('j-new');
    expect(er.commandCalls(StartMatchingJobCommand).map((c) => c.args[0].input)).toEqual([{ workflowName: 'people' }]);
  });
});
