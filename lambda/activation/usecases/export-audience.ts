/**
 * One run of an audience export: every member of the export's segment is
 * read (page by page), kept when their consent grants every purpose of
 * governance.consent.uses.audienceExports and they have an email or phone to
 * match on, and written as one row of each format's customer list, hashed
 * per platform (the governance pillar's audience-hashing contract). Then the
 * run's manifest (counts only) and `latest.json`, in that order, so that
 * `latest.json` names complete runs only.
 *
 * Nothing raw leaves: emails, phones and names go as SHA-256 digests; a
 * column a platform takes in clear (Google's Country and Zip) is left empty
 * when the classification marks its field direct. Profile ids are not
 * written at all.
 */
import { stringify } from 'csv-stringify/sync';
import type { C360Config } from '../../config';
import { hashForDestination } from '../../governance/contracts/audience-hashing';
import { classification } from '../../governance/contracts/classification';
import {
  audienceFileKey,
  audienceLatestKey,
  audienceManifestKey,
  type AudienceFormat,
  type AudienceLatest,
  type AudienceManifest,
} from '../contracts/audiences';
import { audienceHeader, audienceRow, consentGrants, contactFields, type CellEncoder } from '../core/audience/rows';
import type { AudienceSink, CustomerView, CustomerViewReader, SegmentMembers } from '../ports';

export interface ExportAudienceDeps {
  readonly config: C360Config;
  readonly members: SegmentMembers;
  readonly views: CustomerViewReader;
  readonly sink: AudienceSink;
  readonly clock?: () => number;
  /** Members read per page. @default 500 */
  readonly pageSize?: number;
  /** Profiles read at once. @default 16 */
  readonly concurrency?: number;
}

/** An export the config does not name. */
export class UnknownAudienceExportError extends Error {
  override readonly name = 'UnknownAudienceExportError';
}

/** The consent purposes an audience export needs (governance.consent.uses.audienceExports; `advertising` when the config leaves it out). */
export function audienceExportPurposes(config: C360Config): readonly string[] {
  return config.governance.consent.uses.audienceExports ?? ['advertising'];
}

/** The cell encoder of a config: the platforms' hashing, the classification for columns in clear. */
export function audienceEncoder(config: C360Config): CellEncoder {
  const c = classification(config);
  const region = config.normalization.defaultPhoneRegion;
  return {
    hashed: (format, field, v) => hashForDestination(format, field, v.value, region),
    plain: (_field, v) => (c.field(v.key).class === 'direct' ? undefined : v.value),
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function exportAudience(exportName: string, deps: ExportAudienceDeps): Promise<AudienceManifest> {
  const definition = deps.config.activation.audienceExports[exportName];
  if (definition === undefined) {
    const known = Object.keys(deps.config.activation.audienceExports);
    throw new UnknownAudienceExportError(`no audience export ${JSON.stringify(exportName)} in activation.audienceExports (${known.length > 0 ? known.join(', ') : 'none configured'})`);
  }
  const clock = deps.clock ?? Date.now;
  const nowMs = clock();
  const exportedAt = new Date(nowMs).toISOString();
  const formats: readonly AudienceFormat[] = [...new Set(definition.formats)];
  const purposes = audienceExportPurposes(deps.config);
  const encoder = audienceEncoder(deps.config);
  const pageSize = deps.pageSize ?? 500;
  const concurrency = deps.concurrency ?? 16;

  const chunks = new Map<AudienceFormat, string[]>(formats.map((f) => [f, [stringify([audienceHeader(f)])]]));
  const seen = new Set<string>();
  let members = 0;
  let exported = 0;
  let excludedNoConsent = 0;
  let excludedNoContact = 0;
  let missingProfiles = 0;

  let cursor: string | undefined;
  do {
    const page = await deps.members.members(definition.segment, pageSize, cursor);
    members += page.profileIds.length;
    const views = await mapLimit(page.profileIds, concurrency, (id) => deps.views.get(id, nowMs));
    const rows = new Map<AudienceFormat, string[][]>(formats.map((f) => [f, []]));
    for (const view of views) {
      if (view === undefined || seen.has(view.profileId)) {
        // Gone since the membership was read, or merged into a member already written.
        missingProfiles++;
        continue;
      }
      seen.add(view.profileId);
      if (!consentGrants(view, purposes)) {
        excludedNoConsent++;
        continue;
      }
      const written = writeRows(view, formats, encoder, rows);
      if (written) exported++;
      else excludedNoContact++;
    }
    for (const f of formats) {
      const r = rows.get(f) ?? [];
      if (r.length > 0) chunks.get(f)?.push(stringify(r));
    }
    cursor = page.next;
  } while (cursor !== undefined);

  const files: Partial<Record<AudienceFormat, string>> = {};
  for (const f of formats) {
    const key = audienceFileKey(exportName, exportedAt, f);
    await deps.sink.put(key, (chunks.get(f) ?? []).join(''), 'text/csv; charset=utf-8');
    files[f] = key;
  }
  const manifest: AudienceManifest = {
    export: exportName,
    segment: definition.segment,
    exportedAt,
    formats,
    members,
    exported,
    excludedNoConsent,
    excludedNoContact,
    missingProfiles,
    files,
  };
  const manifestKey = audienceManifestKey(exportName, exportedAt);
  await deps.sink.put(manifestKey, JSON.stringify(manifest, null, 2) + '\n', 'application/json');
  const latest: AudienceLatest = { export: exportName, exportedAt, manifest: manifestKey };
  await deps.sink.put(audienceLatestKey(exportName), JSON.stringify(latest, null, 2) + '\n', 'application/json');
  return manifest;
}

/** Adds the member's row to each format; false when no format has a contact field to match on. */
function writeRows(view: CustomerView, formats: readonly AudienceFormat[], encoder: CellEncoder, rows: Map<AudienceFormat, string[][]>): boolean {
  const fields = contactFields(view);
  let any = false;
  for (const f of formats) {
    const row = audienceRow(f, fields, encoder);
    if (row === undefined) continue;
    rows.get(f)?.push(row);
    any = true;
  }
  return any;
}
