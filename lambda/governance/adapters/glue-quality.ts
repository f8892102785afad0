/** Deployed quality: Glue Data Quality evaluation runs, and the export partitions of the Glue catalog. */
import { paginateGetPartitions, StartDataQualityRulesetEvaluationRunCommand, type GlueClient } from '@aws-sdk/client-glue';
import { RESULTS_PREFIX, type QualityTableName } from '../contracts/quality-dqdl';
import type { ExportPartitions, QualityRunRequest, QualityRunStarter } from '../quality-ports';

export interface GlueQualityOptions {
  readonly database: string;
  /** The role Glue Data Quality runs as. */
  readonly roleArn: string;
  /** The governance bucket: results under quality/. */
  readonly resultsBucket: string;
}

export class GlueQualityRuns implements QualityRunStarter {
  constructor(
    private readonly glue: Pick<GlueClient, 'send'>,
    private readonly options: GlueQualityOptions,
  ) {}

  async start(request: QualityRunRequest): Promise<string> {
    const out = await this.glue.send(
      new StartDataQualityRulesetEvaluationRunCommand({
        DataSource: {
          GlueTable: { DatabaseName: this.options.database, TableName: request.table, AdditionalOptions: { pushDownPredicate: request.pushDownPredicate } },
        },
        Role: this.options.roleArn,
        RulesetNames: [request.rulesetName],
        ClientToken: request.clientToken,
        AdditionalRunOptions: { CloudWatchMetricsEnabled: true, ResultsS3Prefix: `s3://${this.options.resultsBucket}/${RESULTS_PREFIX}` },
      }),
    );
    if (out.RunId === undefined) throw new Error(`Glue started no run for ruleset ${request.rulesetName}`);
    return out.RunId;
  }
}

/** The latest export of a curated table: the greatest `export_id` partition value (export ids sort as text). */
export class GlueExportPartitions implements ExportPartitions {
  constructor(
    private readonly glue: GlueClient,
    private readonly database: string,
  ) {}

  async latest(table: QualityTableName): Promise<string | undefined> {
    let latest: string | undefined;
    for await (const page of paginateGetPartitions({ client: this.glue }, { DatabaseName: this.database, TableName: table, ExcludeColumnSchema: true })) {
      for (const p of page.Partitions ?? []) {
        const id = p.Values?.[0];
        if (id !== undefined && (latest === undefined || id > latest)) latest = id;
      }
    }
    return latest;
  }
}
