/**
 * The layout of audience exports, defined once: the export function writes
 * it (deployed in the exports bucket, locally under `.c360/exports/`), the
 * erasure rewrites the CSVs under AUDIENCES_PREFIX (store `audience-exports`),
 * the stacks grant by it.
 *
 *   audiences/<export>/<exportedAt compact>/<format>.csv    one customer list per ad platform
 *   audiences/<export>/<exportedAt compact>/manifest.json  counts only (AudienceManifest)
 *   audiences/<export>/latest.json                         the newest manifest's key (AudienceLatest)
 *
 * The CSVs hold SHA-256 digests of contact fields only (Google's Country and
 * Zip columns in clear, as its format asks); no file holds a raw email,
 * phone or profile id.
 */
import type { AudienceExportDefinition } from '../../config/activation';

export const AUDIENCES_PREFIX = 'audiences/';

export type AudienceFormat = AudienceExportDefinition['formats'][number];

/** `2026-12-02T06:17:55.123Z` → `20261202T061755123Z`: sortable, and safe in a key. */
export const compactTime = (iso: string) => iso.replace(/[-:.]/g, '');

export const audienceRunPrefix = (exportName: string, exportedAt: string) => `${AUDIENCES_PREFIX}${exportName}/${compactTime(exportedAt)}/`;
export const audienceFileKey = (exportName: string, exportedAt: string, format: AudienceFormat) => `${audienceRunPrefix(exportName, exportedAt)}${format}.csv`;
export const audienceManifestKey = (exportName: string, exportedAt: string) => `${audienceRunPrefix(exportName, exportedAt)}manifest.json`;
export const audienceLatestKey = (exportName: string) => `${AUDIENCES_PREFIX}${exportName}/latest.json`;

/** What one run of an export wrote and why members were left out: counts only. */
export interface AudienceManifest {
  readonly export: string;
  readonly segment: string;
  /** ISO-8601. */
  readonly exportedAt: string;
  readonly formats: readonly AudienceFormat[];
  /** Segment members read. members = exported + excludedNoConsent + excludedNoContact + missingProfiles. */
  readonly members: number;
  /** Rows written (in every format: one row per exported member). */
  readonly exported: number;
  /** Members whose consent does not grant every purpose of governance.consent.uses.audienceExports. */
  readonly excludedNoConsent: number;
  /** Members with neither an email nor a phone number to hash. */
  readonly excludedNoContact: number;
  /** Members whose profile is gone (erased, or merged away between the membership read and the profile read). */
  readonly missingProfiles: number;
  /** Format → the key of its CSV. */
  readonly files: Readonly<Partial<Record<AudienceFormat, string>>>;
}

/** `latest.json` of an export: its newest run. */
export interface AudienceLatest {
  readonly export: string;
  readonly exportedAt: string;
  readonly manifest: string;
}
