import { readFileSync } from 'node:fs';
import { App, CfnWaitConditionHandle, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseConfig, type C360ConfigInput } from '../../../lambda/config';
import {
  C360Dashboard,
  c360Sheets,
  checkSheetColumns,
  columnsReadBy,
  DASHBOARD_VIEW_COLUMNS,
  DASHBOARD_VIEWS,
  tableKey,
} from '../../../lib/constructs/analytics/quicksight';
import { kpi, sheet, table } from '../../../lib/constructs/analytics/quicksight-visuals';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const PRINCIPAL = 'arn:aws:quicksight:us-east-1:123456789012:group/default/c360-analysts';

function build(quicksight: NonNullable<C360ConfigInput['analytics']>['quicksight'] = { principalArn: PRINCIPAL }) {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'QuickSightTest', { env: { account: '123456789012', region: 'us-east-1' } });
  // A template needs one resource even when the dashboard makes none.
  new CfnWaitConditionHandle(stack, 'Anchor');
  const config = parseConfig({ appName: 'acme', analytics: { quicksight } });
  const dashboard = C360Dashboard.fromConfig(stack, 'Dashboard', {
    appName: config.appName,
    config: config.analytics.quicksight,
    athenaWorkgroupName: 'acme-analytics',
    databaseName: 'acme_lake',
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return { stack, dashboard, template: Template.fromStack(stack) };
}

type Definition = { Sheets: Array<{ SheetId: string; Visuals: Array<Record<string, { VisualId: string }>> }> };

function definition(template: Template): Definition {
  const dashboards = Object.values(template.findResources('AWS::QuickSight::Dashboard'));
  expect(dashboards).toHaveLength(1);
  return dashboards[0]!.Properties.Definition as Definition;
}

/** `<visual type>:<visual id>` of every visual, by sheet. */
function visuals(template: Template): Record<string, string[]> {
  return Object.fromEntries(
    definition(template).Sheets.map((s) => [s.SheetId, s.Visuals.map((v) => Object.entries(v).map(([type, body]) => `${type}:${body.VisualId}`)[0]!)]),
  );
}

describe('C360Dashboard', () => {
  it('creates no QuickSight resource without a principal', () => {
    const t = build({});
    expect(t.dashboard).toBeUndefined();
    for (const type of ['AWS::QuickSight::DataSource', 'AWS::QuickSight::DataSet', 'AWS::QuickSight::Dashboard']) t.template.resourceCountIs(type, 0);
  });

  it('queries Athena through the analytics workgroup, owned by the principal', () => {
    const t = build();
    t.template.hasResourceProperties('AWS::QuickSight::DataSource', {
      AwsAccountId: '123456789012',
      DataSourceId: Match.stringLikeRegexp('^acme-athena-[0-9a-f]{8}$'),
      Type: 'ATHENA',
      DataSourceParameters: { AthenaParameters: { WorkGroup: 'acme-analytics' } },
      Permissions: [{ Principal: PRINCIPAL, Actions: Match.arrayWith(['quicksight:DescribeDataSource', 'quicksight:PassDataSource']) }],
    });
  });

  it('makes one direct-query dataset per view over the lake database, with the fixed columns, owned by the principal', () => {
    const t = build();
    const dataSets = Object.values(t.template.findResources('AWS::QuickSight::DataSet')).map((r) => r.Properties);
    expect(dataSets).toHaveLength(DASHBOARD_VIEWS.length);
    for (const view of DASHBOARD_VIEWS) {
      const ds = dataSets.find((d) => d.PhysicalTableMap[tableKey(view)] !== undefined);
      expect(ds, view).toBeDefined();
      expect(ds!.ImportMode).toBe('DIRECT_QUERY');
      expect(ds!.Permissions).toEqual([{ Principal: PRINCIPAL, Actions: expect.arrayContaining(['quicksight:PassDataSet', 'quicksight:DescribeDataSet']) }]);
      expect(ds!.PhysicalTableMap[tableKey(view)].RelationalTable).toMatchObject({ Catalog: 'AwsDataCatalog', Schema: 'acme_lake', Name: view });
      expect(ds!.PhysicalTableMap[tableKey(view)].RelationalTable.InputColumns.map((c: { Name: string }) => c.Name)).toEqual(
        DASHBOARD_VIEW_COLUMNS[view].map((c) => c.name),
      );
    }
    const revenue = dataSets.find((d) => d.PhysicalTableMap['revenue-by-day-and-channel'] !== undefined)!;
    expect(revenue.PhysicalTableMap['revenue-by-day-and-channel'].RelationalTable.InputColumns).toEqual([
      { Name: 'day', Type: 'DATETIME' },
      { Name: 'channel', Type: 'STRING' },
      { Name: 'orders', Type: 'INTEGER' },
      { Name: 'revenue', Type: 'DECIMAL' },
    ]);
  });

  it('lays out the C360 visuals: KPI cards, revenue trend, channel mix, segment sizes, cohort table and identity-graph health', () => {
    const t = build();
    expect(visuals(t.template)).toEqual({
      customers: [
        'KPIVisual:kpi-total-profiles',
        'KPIVisual:kpi-identified',
        'KPIVisual:kpi-anonymous',
        'KPIVisual:kpi-merged-away',
        'KPIVisual:kpi-with-email',
        'KPIVisual:kpi-with-phone',
        'KPIVisual:kpi-with-consent',
        'LineChartVisual:active-customers-daily',
        'BarChartVisual:segment-sizes',
      ],
      revenue: ['LineChartVisual:revenue-trend', 'BarChartVisual:orders-by-channel', 'BarChartVisual:channel-events', 'PieChartVisual:channel-customers'],
      retention: ['TableVisual:cohort-retention'],
      identity: ['LineChartVisual:merges-per-day', 'BarChartVisual:identifiers-per-profile'],
    });
    t.template.hasResourceProperties('AWS::QuickSight::Dashboard', {
      DashboardId: Match.stringLikeRegexp('^acme-c360-[0-9a-f]{8}$'),
      Permissions: [{ Principal: PRINCIPAL, Actions: Match.arrayWith(['quicksight:DescribeDashboard', 'quicksight:QueryDashboard']) }],
      Definition: { DataSetIdentifierDeclarations: Match.arrayWith([{ Identifier: 'customers_overview', DataSetArn: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }) }]) },
    });
  });

  it('draws the revenue trend as revenue per day, one line per channel, and the KPI cards as sums of customers_overview', () => {
    const t = build();
    const revenue = definition(t.template).Sheets.find((s) => s.SheetId === 'revenue')!.Visuals[0]!.LineChartVisual as unknown as {
      ChartConfiguration: { FieldWells: { LineChartAggregatedFieldWells: Record<string, unknown[]> } };
    };
    const wells = revenue.ChartConfiguration.FieldWells.LineChartAggregatedFieldWells;
    expect(wells.Category).toEqual([{ DateDimensionField: { FieldId: 'revenue-trend.day', Column: { DataSetIdentifier: 'revenue_by_day_and_channel', ColumnName: 'day' }, DateGranularity: 'DAY' } }]);
    expect(wells.Values).toEqual([
      { NumericalMeasureField: { FieldId: 'revenue-trend.revenue', Column: { DataSetIdentifier: 'revenue_by_day_and_channel', ColumnName: 'revenue' }, AggregationFunction: { SimpleNumericalAggregation: 'SUM' } } },
    ]);
    expect(wells.Colors).toEqual([{ CategoricalDimensionField: { FieldId: 'revenue-trend.channel', Column: { DataSetIdentifier: 'revenue_by_day_and_channel', ColumnName: 'channel' } } }]);
    const kpis = columnsReadBy(c360Sheets()).filter((c) => c.startsWith('customers_overview.'));
    expect(kpis).toEqual(DASHBOARD_VIEW_COLUMNS.customers_overview.map((c) => `customers_overview.${c.name}`).sort());
  });

  it('reads only columns its datasets have, and names a missing one', () => {
    expect(() => checkSheetColumns(c360Sheets())).not.toThrow();
    expect(() => checkSheetColumns([sheet('s', 'S', [kpi('k', 'K', 'customers_overview', 'total_customers')])])).toThrow(
      /reads customers_overview\.total_customers; customers_overview has total_profiles/,
    );
    expect(() => checkSheetColumns([sheet('s', 'S', [table('t', 'T', 'orders', ['id'])])])).toThrow(/dataset orders, which is not one of/);
    expect(() => sheet('s', 'S', [kpi('k', 'A', 'customers_overview', 'with_email'), kpi('k', 'B', 'customers_overview', 'with_phone')])).toThrow(/visual id k is used twice/);
  });

  it('passes cdk-nag AwsSolutions with no finding', () => {
    const t = build();
    const report = new AwsSolutionsChecks().validateScope(t.stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});
