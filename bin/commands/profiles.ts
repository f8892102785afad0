/**
 * Profile commands over the profile API (the local runtime's by default, or
 * a deployed one with --api, signed with your AWS credentials):
 *
 *   c360 profile <id | type=value> [--merges | --identities]
 *   c360 unmerge <profileId> <restoredId> [--reason TEXT]
 */
import type { Command } from 'commander';
import { ProfileClient } from '../../lambda/client/profile-client';
import { localRuntimeInfo } from './local-runtime-info';

interface ApiOptions {
  api?: string;
  region?: string;
}

async function client(opts: ApiOptions): Promise<ProfileClient> {
  if (opts.api !== undefined) return new ProfileClient({ endpoint: opts.api, ...(opts.region === undefined ? {} : { region: opts.region }) });
  const local = await localRuntimeInfo('pass --api <ProfileApiUrl>');
  return new ProfileClient({ endpoint: local.apiUrl, sign: false });
}

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

export function registerProfileCommands(program: Command): void {
  program
    .command('profile')
    .description('show a profile, its identities, or how it was merged (every merge names its identifier or match)')
    .argument('<key>', 'a profile id, or TYPE=VALUE such as email=ana@example.com')
    .option('--merges', 'the merge history: what joined, through which identifier or match group, when; and unmerges')
    .option('--identities', 'identifiers held, and those rejected with the reason')
    .option('--api <url>', 'a deployed profile API (the ProfileApiUrl output); default: the local runtime')
    .option('--region <region>', 'region of the deployed API (for signing)')
    .action(async function (this: Command, key: string, opts: ApiOptions & { merges?: boolean; identities?: boolean }) {
      const profiles = await client(opts);
      const eq = key.indexOf('=');
      const found = eq > 0 ? await profiles.findProfile(key.slice(0, eq), key.slice(eq + 1)) : await profiles.getProfile(key);
      if (found === undefined) return this.error(`error: no profile for ${key}`, { exitCode: 1, code: 'c360.profile.none' });
      if (opts.merges) print(await profiles.getMergeHistory(found.profileId));
      else if (opts.identities) print(await profiles.getIdentities(found.profileId));
      else print(found);
    });

  program
    .command('unmerge')
    .description('split a merged-away profile back out of its survivor: both are rebuilt from their events, and not linked again')
    .argument('<profileId>', 'the survivor (or any id that redirects to it)')
    .argument('<restoredId>', 'the merged-away profile to restore (see `c360 profile <id> --merges`)')
    .option('--reason <text>', 'why, kept with the unmerge record')
    .option('--api <url>', 'a deployed profile API (the ProfileApiUrl output); default: the local runtime')
    .option('--region <region>', 'region of the deployed API (for signing)')
    .action(async (profileId: string, restoredId: string, opts: ApiOptions & { reason?: string }) => {
      const out = await (await client(opts)).unmerge(profileId, restoredId, opts.reason);
      console.log(
        `unmerged ${restoredId} from ${out.unmerge.from}: ${out.unmerge.events.restored} events went back to ${restoredId}, ` +
          `${out.unmerge.events.from} stay with ${out.unmerge.from}; the two will not be linked again.`,
      );
      print({ survivor: out.survivor, restored: out.restored });
    });
}
