/**
 * The analytics pillar's config section: the profile export to the curated
 * zone, Athena, Redshift Serverless and QuickSight.
 */
import * as z from 'zod/mini';
import { int, section, withDefault } from './builders';

export const analyticsSection = section({
  export: section({
    /** How often the profile tables are exported from DynamoDB to the curated zone (Parquet), in minutes: deployed (EventBridge schedule) and locally. */
    everyMinutes: withDefault(int(5, 1440), 60),
    /** Days an export is kept before S3 lifecycle expires it: erasure reaches every curated copy within this window. */
    retentionDays: withDefault(int(1, 365), 7),
    /** Parallel scan segments of the export (one Parquet part per table and segment). */
    segments: withDefault(int(1, 16), 4),
  }),
  athena: section({
    /** Per-query cutoff of the workgroup: a query scanning more is cancelled (bytes; Athena's minimum is 10 MB). */
    bytesScannedCutoffPerQuery: withDefault(int(10_000_000, Number.MAX_SAFE_INTEGER), 10_000_000_000),
  }),
  redshift: section({
    /** Provision Redshift Serverless (namespace, workgroup, streaming ingestion, Spectrum). */
    enabled: withDefault(z.boolean(), true),
    /** Base capacity of the workgroup in RPUs (8 to 1024, in steps of 8): the smallest by default. */
    baseCapacityRpu: withDefault(
      int(8, 1024).check(z.refine((n) => n % 8 === 0, 'base capacity is a multiple of 8 RPUs')),
      8,
    ),
    /**
     * An existing VPC for the workgroup, with private subnets in three Availability Zones.
     * @default - the stack creates its own VPC (three AZs, isolated subnets, the endpoints it needs)
     */
    vpc: z.optional(
      z.strictObject({
        vpcId: z.string().check(z.regex(/^vpc-[0-9a-f]{8,}$/, 'a VPC id such as vpc-0abc…')),
        subnetIds: z.array(z.string().check(z.regex(/^subnet-[0-9a-f]{8,}$/, 'a subnet id such as subnet-0abc…'))).check(z.minLength(3)),
      }),
    ),
    /**
     * How the streaming materialized view over the event stream refreshes:
     * `auto` (Redshift refreshes continuously: the workgroup never idles, so it
     * bills all the time) or a schedule in minutes (a scheduled REFRESH: the
     * workgroup bills only while it runs).
     */
    streamingRefresh: withDefault(z.union([z.literal('auto'), z.strictObject({ everyMinutes: int(5, 1440) })]), { everyMinutes: 60 }),
  }),
  quicksight: section({
    /**
     * The QuickSight user or group ARN that owns the data source, datasets and
     * dashboard. QuickSight needs an account subscription (CloudFormation cannot
     * create one): without this, no QuickSight resource is made.
     */
    principalArn: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:\d{12}:(user|group)\/.+/, 'a QuickSight user or group ARN'))),
  }),
});
