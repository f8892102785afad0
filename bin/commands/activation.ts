/**
 * Activation commands against the local runtime (`npm start`):
 *
 *   c360 outbox [--profile ID] [--limit N]          the messages campaigns wrote, with every rule outcome
 *   c360 outbox deliver|open|click|bounce <ID>      simulate the provider's feedback for a message: the event reaches the profile
 *   c360 recommend <profileId> [-n N]               recommendations for a profile, and which engine answered
 *   c360 similar <itemId> [-n N]                    items similar to an item
 *   c360 activation run <job>                       run a job now: propensity, recommender, exports, items, campaigns
 *
 * Deployed, the same feedback arrives from SES and End User Messaging, and
 * the jobs run on their schedules (README: Activation).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { ProfileClient } from '../../lambda/client/profile-client';
import { localRuntimeInfo } from './local-runtime-info';

export const FEEDBACK_KINDS = ['deliver', 'open', 'click', 'bounce'] as const;
export const LOCAL_JOBS = ['propensity', 'recommender', 'exports', 'items', 'campaigns'] as const;

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

async function localApi(): Promise<string> {
  return (await localRuntimeInfo('run this against a local runtime')).apiUrl;
}

async function call(method: 'GET' | 'POST', path: string): Promise<unknown> {
  const res = await fetch(`${await localApi()}${path}`, { method, headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(String(body.message ?? `${method} ${path} answered ${res.status}`));
  return body;
}

const count = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of 1 or more');
  return n;
};

export function registerActivationCommands(program: Command): void {
  program
    .command('outbox')
    .description('list the local outbox (every campaign message with its rule outcomes), or simulate feedback for one: deliver, open, click, bounce')
    .argument('[action]', `one of ${FEEDBACK_KINDS.join(', ')} (omit to list)`)
    .argument('[id]', 'the message id (from the list)')
    .option('--profile <profileId>', 'only this profile’s messages')
    .option('--limit <n>', 'at most this many, newest first', count, 20)
    .action(async function (this: Command, action: string | undefined, id: string | undefined, opts: { profile?: string; limit: number }) {
      if (action === undefined) {
        const query = new URLSearchParams({ limit: String(opts.limit), ...(opts.profile === undefined ? {} : { profileId: opts.profile }) });
        return print(await call('GET', `/activation/outbox?${query}`));
      }
      if (!(FEEDBACK_KINDS as readonly string[]).includes(action)) {
        return this.error(`error: unknown outbox action ${JSON.stringify(action)}; use ${FEEDBACK_KINDS.join(', ')}`, { exitCode: 2, code: 'c360.outbox.action' });
      }
      if (id === undefined) return this.error(`error: outbox ${action} needs a message id (c360 outbox lists them)`, { exitCode: 2, code: 'c360.outbox.id' });
      print(await call('POST', `/activation/outbox/${encodeURIComponent(id)}/${action}`));
    });

  program
    .command('recommend')
    .description('items recommended for a profile (Personalize when a model is active, else the built-in recommender; the answer says which)')
    .argument('<profileId>')
    .option('-n <n>', 'how many', count)
    .action(async (profileId: string, opts: { n?: number }) => {
      const client = new ProfileClient({ endpoint: await localApi(), sign: false });
      const answer = await client.recommendations(profileId, opts.n === undefined ? {} : { n: opts.n });
      if (answer === undefined) throw new Error(`no profile ${profileId}`);
      print(answer);
    });

  program
    .command('similar')
    .description('items similar to an item (its co-occurrence neighbours, or popular items)')
    .argument('<itemId>')
    .option('-n <n>', 'how many', count)
    .action(async (itemId: string, opts: { n?: number }) => {
      const client = new ProfileClient({ endpoint: await localApi(), sign: false });
      print(await client.similarItems(itemId, opts.n === undefined ? {} : { n: opts.n }));
    });

  program
    .command('activation')
    .description('activation jobs of the local runtime')
    .command('run')
    .description(`run a job now: ${LOCAL_JOBS.join(', ')} (they also run on their schedules while the runtime runs)`)
    .argument('<job>', LOCAL_JOBS.join(' | '))
    .action(async function (this: Command, job: string) {
      if (!(LOCAL_JOBS as readonly string[]).includes(job)) {
        return this.error(`error: unknown job ${JSON.stringify(job)}; the jobs are ${LOCAL_JOBS.join(', ')}`, { exitCode: 2, code: 'c360.activation.job' });
      }
      print(await call('POST', `/activation/jobs/${job}`));
    });
}
