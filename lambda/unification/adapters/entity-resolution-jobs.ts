/** The Entity Resolution matching jobs of one workflow (MatchingJobs): listing the active one, starting one. */
import { ListMatchingJobsCommand, StartMatchingJobCommand, type EntityResolutionClient } from '@aws-sdk/client-entityresolution';
import type { MatchingJobs } from '../ports';

/** Jobs listed when looking for one still active (25 a page). */
export const MAX_JOB_PAGES = 8;

export class EntityResolutionJobs implements MatchingJobs {
  constructor(
    private readonly client: EntityResolutionClient,
    private readonly workflowName: string,
  ) {}

  async activeJob(): Promise<string | undefined> {
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_JOB_PAGES; page++) {
      const out = await this.client.send(new ListMatchingJobsCommand({ workflowName: this.workflowName, maxResults: 25, ...(nextToken ? { nextToken } : {}) }));
      const active = out.jobs?.find((job) => job.status === 'RUNNING' || job.status === 'QUEUED');
      if (active) return active.jobId;
      nextToken = out.nextToken;
      if (!nextToken) return undefined;
    }
    return undefined;
  }

  async start(): Promise<string | undefined> {
    const started = await this.client.send(new StartMatchingJobCommand({ workflowName: this.workflowName }));
    return started.jobId;
  }
}
