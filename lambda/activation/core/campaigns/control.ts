/**
 * Control groups and holdouts by a deterministic hash of the profile id: the
 * same profile is in or out on every trigger, every run and every machine,
 * so a held-out customer never gets the campaign and the measured lift
 * compares stable groups. The global group and each campaign's holdout hash
 * with different salts, so they are independent draws.
 */
import { createHash } from 'node:crypto';

/** Salt of the global control group (changing it reshuffles every customer: keep it). */
export const GLOBAL_CONTROL_SALT = '#c360-global-control';

/** 2^48: the first six bytes of the digest, as an integer, divided by it give [0, 1). */
const SCALE = 2 ** 48;

/** The position of `profileId` salted with `salt`, in [0, 100): SHA-256 of `<profileId><salt>`. */
export function controlBucket(profileId: string, salt: string): number {
  const digest = createHash('sha256').update(profileId).update(salt).digest();
  return (digest.readUIntBE(0, 6) / SCALE) * 100;
}

/**
 * Whether the profile falls in a group of `percent` percent of all profiles
 * under `salt`: the global control group (GLOBAL_CONTROL_SALT) or a
 * campaign's holdout (salt `#<campaign name>`).
 */
export function inControlGroup(profileId: string, percent: number, salt: string = GLOBAL_CONTROL_SALT): boolean {
  if (percent <= 0) return false;
  return controlBucket(profileId, salt) < percent;
}

/** The holdout salt of a campaign. */
export const campaignSalt = (campaign: string) => `#${campaign}`;
