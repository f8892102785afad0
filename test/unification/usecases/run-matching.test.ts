import { describe, expect, it } from 'vitest';
import { emptyProfile, type Profile, type TraitValue } from '../../../lambda/unification/core/profile/profile';
import type { MatchingJobs, ProfileScan, ScanSegment, SnapshotSink } from '../../../lambda/unification/ports';
import { runMatching, type MatchingRunStep } from '../../../lambda/unification/usecases/run-matching';

function profile(id: string, traits: Record<string, unknown>): Profile {
  const wrapped: Record<string, TraitValue> = {};
  for (const [name, v] of Object.entries(traits)) wrapped[name] = { v, t: 1, m: 'm' };
  return { ...emptyProfile(id, '2026-01-01T00:00:00.000Z'), traits: wrapped };
}

/** Every profile in segment 0. */
function scanOf(profiles: readonly Profile[]): ProfileScan & { scans: number } {
  return {
    scans: 0,
    async *scan({ segment }: ScanSegment) {
      this.scans++;
      if (segment === 0) yield* profiles;
    },
  };
}

class MemorySink implements SnapshotSink {
  readonly keys: string[] = [];
  async put(key: string): Promise<void> {
    this.keys.push(key);
  }
}

class FakeJobs implements MatchingJobs {
  started = 0;
  constructor(private readonly active?: string) {}
  async activeJob(): Promise<string | undefined> {
    return this.active;
  }
  async start(): Promise<string | undefined> {
    this.started++;
    return `job-${this.started}`;
  }
}

const ada = profile('p-ada', { firstName: 'Ada', lastName: 'Lovelace' });
const grace = profile('p-grace', { firstName: 'Grace', lastName: 'Hopper' });
const anon = profile('p-anon', { plan: 'free' });

function run(jobs: FakeJobs, profiles: readonly Profile[]) {
  const scan = scanOf(profiles);
  const sink = new MemorySink();
  const steps: MatchingRunStep['step'][] = [];
  const result = runMatching({ jobs, profiles: scan, sink, totalSegments: 1, observe: (o) => steps.push(o.step) });
  return { result, scan, sink, steps };
}

describe('runMatching', () => {
  it('skips the run while a matching job is active: no snapshot written, no job started', async () => {
    const jobs = new FakeJobs('job-running');
    const { result, scan, sink, steps } = run(jobs, [ada, grace]);
    expect(await result).toEqual({ skipped: 'job-active', activeJobId: 'job-running' });
    expect(scan.scans).toBe(0);
    expect(sink.keys).toEqual([]);
    expect(jobs.started).toBe(0);
    expect(steps).toEqual(['job-active']);
  });

  it('writes the snapshot but starts no job when fewer than two rows were written', async () => {
    const jobs = new FakeJobs();
    const { result, sink, steps } = run(jobs, [ada, anon]);
    expect(await result).toMatchObject({ scanned: 2, written: 1, skipped: 1, jobId: undefined });
    expect(sink.keys.length).toBeGreaterThan(0);
    expect(jobs.started).toBe(0);
    expect(steps).toEqual(['exported', 'too-few-rows']);
  });

  it('starts a matching job over a snapshot of two rows or more and returns its id', async () => {
    const jobs = new FakeJobs();
    const { result, steps } = run(jobs, [ada, grace, anon]);
    expect(await result).toMatchObject({ scanned: 3, written: 2, skipped: 1, jobId: 'job-1' });
    expect(jobs.started).toBe(1);
    expect(steps).toEqual(['exported', 'job-started']);
  });
});
