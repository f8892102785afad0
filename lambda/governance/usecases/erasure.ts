/**
 * The right to erasure, step by step, over ports: resolve the request to the
 * whole person (the identity graph through the unification pillar's
 * ProfileStore), erase them from every store, add their hashes to the
 * suppression list, audit it and write the receipt. The deployed workflow
 * runs the steps as separate functions (resolve → one step per store →
 * receipt, the subject kept in the work object between them); the local
 * runtime runs `runErasure`, the same steps in-process.
 *
 * An erasure of someone the graph does not know still completes (every store
 * `nothing-found`) and still suppresses the identifier it named, so that
 * their future events are dropped too.
 */
import type { Identifier } from '../../shared/events';
import type { Profile } from '../../unification/contracts/profile-document';
import type { ProfileStore } from '../../unification/ports';
import type { AuditRecord } from '../contracts/audit';
import type { ErasureReceipt, ErasureRequest, ErasureSubject, ErasureTarget, StoreReport } from '../contracts/erasure';
import { finalReceipt, runningReceipt, type ResidualSettings } from '../core/receipt';
import type { AuditLog, ErasureRecords, StoreEraser, SubjectHasher, SuppressionList } from '../ports';

/** Key of an identifier in the identity graph (the unification pillar's identifier index): `<type>#<value>`. */
const identifierKey = (id: Identifier) => `${id.type}#${id.value}`;

/** Traits whose values are personal but not identifiers: searched by the file erasers as sent. */
export const PERSONAL_TRAITS = ['emailRaw', 'phoneRaw', 'email', 'phone', 'firstName', 'lastName', 'name', 'username'] as const;

/** Merge pointers followed at most (a cycle would be a corrupt graph). */
const MAX_HOPS = 32;

export interface ResolveDeps {
  readonly profiles: Pick<ProfileStore, 'getOwners' | 'getProfiles'>;
  readonly hasher: SubjectHasher;
  /**
   * Traits whose values the file erasers search for as well: the
   * classification's direct traits (directTraitNames). @default PERSONAL_TRAITS
   */
  readonly personalTraits?: readonly string[];
}

/** Who acted, in the audit log: the erasure itself. */
const SERVICE_ACTOR = 'service:erasure';

/** The live profile a profile id leads to, following `mergedInto`; undefined when none exists. */
async function liveProfile(profiles: ResolveDeps['profiles'], id: string): Promise<Profile | undefined> {
  let current = id;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const p = (await profiles.getProfiles([current])).get(current);
    if (p === undefined) return undefined;
    if (p.mergedInto === undefined) return p;
    current = p.mergedInto;
  }
  return undefined;
}

function stringValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim().length > 0 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * The whole person a request names: the live profile the target leads to,
 * every profile merged into it, every identifier on them, and the personal
 * values as sent. Normalised identifiers and the hashes of all of them.
 */
export async function resolveSubject(request: Pick<ErasureRequest, 'requestId' | 'target'>, deps: ResolveDeps): Promise<ErasureSubject> {
  const target = request.target;
  let startId: string | undefined;
  if ('profileId' in target) startId = target.profileId;
  else startId = (await deps.profiles.getOwners([identifierKey(target.identifier)])).get(identifierKey(target.identifier));

  const live = startId === undefined ? undefined : await liveProfile(deps.profiles, startId);
  const ids = new Set<string>();
  if (live !== undefined) {
    ids.add(live.profileId);
    for (const id of live.mergedFrom) ids.add(id);
  }
  if ('profileId' in target && live !== undefined) ids.add(target.profileId);
  const found = ids.size === 0 ? new Map<string, Profile>() : await deps.profiles.getProfiles([...ids]);

  const identifiers = new Map<string, Identifier>();
  const addId = (id: Identifier) => identifiers.set(identifierKey(id), id);
  if ('identifier' in target) addId(target.identifier);
  const values = new Set<string>();
  for (const p of found.values()) {
    for (const [type, list] of Object.entries(p.identifiers)) for (const value of list) addId({ type, value });
    for (const trait of deps.personalTraits ?? PERSONAL_TRAITS) {
      const v = stringValue(p.traits[trait]?.v);
      if (v !== undefined) values.add(v);
    }
  }
  const identifierList = [...identifiers.values()].sort((a, b) => (identifierKey(a) < identifierKey(b) ? -1 : 1));
  return {
    requestId: request.requestId,
    profileIds: [...ids].sort(),
    identifiers: identifierList,
    values: [...values].sort(),
    hashes: [...new Set(identifierList.map((id) => deps.hasher.identifier(id)))],
  };
}

/** The keyed hash of what a request named (the receipt's and the audit log's subject). */
export function targetHash(target: ErasureTarget, hasher: SubjectHasher): string {
  return 'profileId' in target ? hasher.profile(target.profileId) : hasher.identifier(target.identifier);
}

export interface ErasureDeps extends ResolveDeps {
  readonly suppression: SuppressionList;
  readonly records: ErasureRecords;
  readonly audit: AuditLog;
  readonly residuals: ResidualSettings;
  readonly clock?: () => number;
  /** Told once the suppression list changed (a local runtime clears its ingest cache). */
  readonly onSuppressionChanged?: () => void;
}

const iso = (clock: () => number) => new Date(clock()).toISOString();

/**
 * The first step: resolves the subject, keeps it in the work object, writes
 * the running receipt, audits the request, and already suppresses the
 * person's identifiers, so that an event of theirs arriving while the stores
 * are erased is dropped instead of re-creating what is being deleted.
 * Returns the subject (the deployed resolve step returns only the request
 * id: raw identifiers stay out of the workflow's state).
 */
export async function beginErasure(request: ErasureRequest, deps: ErasureDeps): Promise<ErasureSubject> {
  const subject = await resolveSubject(request, deps);
  const hash = targetHash(request.target, deps.hasher);
  await deps.records.putSubject(subject);
  await deps.suppression.add(subject.hashes, request.requestId);
  deps.onSuppressionChanged?.();
  await deps.records.putReceipt(runningReceipt({ request, subject: hash, profiles: subject.profileIds.length, identifiers: subject.identifiers.length }));
  await deps.audit.append([
    {
      at: request.requestedAt,
      action: 'erasure.request',
      actor: request.requestedBy,
      subject: hash,
      detail: { requestId: request.requestId, profiles: subject.profileIds.length, identifiers: subject.identifiers.length },
    },
  ]);
  return subject;
}

/** One store's step: its report, a failure reported as `failed` (with the error's message, never the data). */
export async function eraseStore(subject: ErasureSubject, eraser: StoreEraser, clock: () => number = Date.now): Promise<StoreReport> {
  try {
    return await eraser.erase(subject);
  } catch (err) {
    return {
      store: eraser.store,
      method: 'erase',
      status: 'failed',
      itemsAffected: 0,
      completedAt: iso(clock),
      message: (err as Error).message ?? String(err),
    };
  }
}

/** The step one store's function runs deployed: the subject read from the work object by request id. */
export async function runStoreStep(requestId: string, eraser: StoreEraser, records: Pick<ErasureRecords, 'getSubject'>, clock: () => number = Date.now): Promise<StoreReport> {
  const subject = await records.getSubject(requestId);
  if (subject === undefined) throw new Error(`no work object for erasure ${requestId}: it was completed, or never resolved`);
  return eraseStore(subject, eraser, clock);
}

/**
 * The last step: makes sure the hashes are on the suppression list (added at
 * the start; again here, idempotently, whatever the stores reported: the
 * person asked to be forgotten, and their new events must not be stored
 * meanwhile), audits, writes the final receipt and deletes the work object.
 */
export async function completeErasure(
  requestId: string,
  reports: readonly StoreReport[],
  // The resolve ports are not needed here (the subject is in the work object); they are accepted for callers that pass ErasureDeps.
  deps: Pick<ErasureDeps, 'suppression' | 'records' | 'audit' | 'residuals' | 'clock' | 'onSuppressionChanged'> & Partial<ResolveDeps>,
  /**
   * `final: false` writes the receipt but keeps the work object, for a later
   * pass (deployed: the Redshift streaming view is re-created once more after
   * the stream's retention); that pass's reports then replace the same
   * stores' earlier ones. Default: final.
   */
  options: { readonly final?: boolean } = {},
): Promise<ErasureReceipt> {
  const clock = deps.clock ?? Date.now;
  const final = options.final ?? true;
  const subject = await deps.records.getSubject(requestId);
  const running = await deps.records.getReceipt(requestId);
  if (running === undefined) throw new Error(`no receipt for erasure ${requestId}`);
  if (subject === undefined) {
    // Already completed (a retried receipt step): the receipt stands.
    if (running.status !== 'running') return running;
    throw new Error(`no work object for erasure ${requestId}`);
  }
  await deps.suppression.add(subject.hashes, requestId);
  deps.onSuppressionChanged?.();
  const completedAt = iso(clock);
  const later = new Set(reports.map((r) => r.store));
  const all = running.status === 'running' ? reports : [...running.stores.filter((r) => !later.has(r.store)), ...reports];
  const receipt = finalReceipt(running, all, subject.hashes.length, completedAt, deps.residuals);
  const records: AuditRecord[] = [
    {
      at: completedAt,
      action: 'suppression.add',
      actor: SERVICE_ACTOR,
      subject: running.subject,
      detail: { requestId, hashes: subject.hashes.length },
    },
    {
      at: completedAt,
      action: 'erasure.complete',
      actor: SERVICE_ACTOR,
      subject: running.subject,
      detail: {
        requestId,
        status: receipt.status,
        final,
        stores: reports.length,
        failed: reports.filter((r) => r.status === 'failed').length,
        itemsAffected: reports.reduce((n, r) => n + r.itemsAffected, 0),
      },
    },
  ];
  await deps.audit.append(records);
  await deps.records.putReceipt(receipt);
  if (final) await deps.records.deleteSubject(requestId);
  return receipt;
}

/** The whole erasure in-process (the local runtime): the same steps as the workflow's, the stores one after another. */
export async function runErasure(request: ErasureRequest, erasers: readonly StoreEraser[], deps: ErasureDeps): Promise<ErasureReceipt> {
  const subject = await beginErasure(request, deps);
  const reports: StoreReport[] = [];
  // One store at a time: the profile table first, then the files, so that
  // an export running meanwhile cannot copy the person back in.
  for (const eraser of erasers) reports.push(await eraseStore(subject, eraser, deps.clock));
  return completeErasure(request.requestId, reports, deps);
}

export interface SuppressionRemoval {
  readonly requestId: string;
  readonly identifier: Identifier;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly reason?: string;
}

/**
 * A person who was erased comes back and consents: their identifier leaves
 * the suppression list, as its own audited request. Only the identifier
 * named is removed (the others stay suppressed until asked for).
 */
export async function removeSuppression(
  removal: SuppressionRemoval,
  deps: Pick<ErasureDeps, 'hasher' | 'suppression' | 'audit' | 'onSuppressionChanged'>,
): Promise<{ requestId: string; removed: number }> {
  const hash = deps.hasher.identifier(removal.identifier);
  const removed = await deps.suppression.remove([hash], removal.requestId);
  deps.onSuppressionChanged?.();
  await deps.audit.append([
    {
      at: removal.requestedAt,
      action: 'suppression.remove',
      actor: removal.requestedBy,
      subject: hash,
      detail: { requestId: removal.requestId, removed },
    },
  ]);
  return { requestId: removal.requestId, removed };
}
