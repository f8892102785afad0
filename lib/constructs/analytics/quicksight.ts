/**
 * The optional QuickSight layer of the analytics pillar: an Athena data
 * source on the analytics workgroup, one direct-query dataset per shipped view
 * the dashboard reads, and the C360 dashboard (KPI cards, revenue and channel
 * charts, segments, cohort retention, identity-graph health), all owned by
 * the QuickSight user or group of `analytics.quicksight.principalArn`.
 *
 * Outside this stack (CloudFormation cannot do it): the QuickSight account
 * subscription, and the permissions of QuickSight's service role
 * (`aws-quicksight-service-role-v0`, set in QuickSight's "Security & permissions"):
 * Athena access to the analytics workgroup, read of the Glue catalog (the
 * lake database and its tables), read of the curated bucket and the lake's
 * raw prefix, write to the Athena workgroup's results bucket, and kms:Decrypt
 * (and kms:GenerateDataKey for the results) on the analytics and lake keys;
 * plus Lake Formation SELECT grants on the views' tables where Lake Formation
 * governs them.
 */
import { Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import { Construct, type IDependable } from 'constructs';
import type { C360Config } from '../../../lambda/config';
import { NAME_RULES, uniquePhysicalName } from '../common/physical-names';
import { barChart, kpi, lineChart, pieChart, sheet, table, type Sheet } from './quicksight-visuals';

/** The SQL types of the shipped views' columns, as the view SQL (Athena / DuckDB) returns them. */
export type ViewColumnType = 'string' | 'int' | 'bigint' | 'double' | 'date';

export interface ViewColumn {
  readonly name: string;
  readonly type: ViewColumnType;
}

/**
 * The shipped views the dashboard reads, with their result columns: the one
 * definition of what the datasets expect from the view SQL (a test compares
 * it with DuckDB's result columns of the same views).
 */
export const DASHBOARD_VIEW_COLUMNS = {
  customers_overview: [
    { name: 'total_profiles', type: 'bigint' },
    { name: 'identified_profiles', type: 'bigint' },
    { name: 'anonymous_profiles', type: 'bigint' },
    { name: 'merged_away_profiles', type: 'bigint' },
    { name: 'with_email', type: 'bigint' },
    { name: 'with_phone', type: 'bigint' },
    { name: 'with_consent', type: 'bigint' },
  ],
  revenue_by_day_and_channel: [
    { name: 'day', type: 'date' },
    { name: 'channel', type: 'string' },
    { name: 'orders', type: 'bigint' },
    { name: 'revenue', type: 'double' },
  ],
  channel_mix: [
    { name: 'channel', type: 'string' },
    { name: 'events', type: 'bigint' },
    { name: 'customers', type: 'bigint' },
  ],
  segment_sizes: [
    { name: 'segment', type: 'string' },
    { name: 'members', type: 'bigint' },
  ],
  cohort_retention_monthly: [
    { name: 'cohort_month', type: 'date' },
    { name: 'months_since_first', type: 'int' },
    { name: 'cohort_size', type: 'bigint' },
    { name: 'active_customers', type: 'bigint' },
    { name: 'retention', type: 'double' },
  ],
  merges_per_day: [
    { name: 'day', type: 'date' },
    { name: 'rule', type: 'string' },
    { name: 'merges', type: 'bigint' },
  ],
  identifiers_per_profile: [
    { name: 'identifiers', type: 'int' },
    { name: 'profiles', type: 'bigint' },
  ],
  active_customers_daily: [
    { name: 'day', type: 'date' },
    { name: 'active_customers', type: 'bigint' },
  ],
} as const satisfies Readonly<Record<string, readonly ViewColumn[]>>;

export type DashboardView = keyof typeof DASHBOARD_VIEW_COLUMNS;
/** The dataset's physical-table key of a view (`revenue-by-day-and-channel`). */
export const tableKey = (view: DashboardView) => view.replace(/_/g, '-');
export const DASHBOARD_VIEWS = Object.keys(DASHBOARD_VIEW_COLUMNS) as DashboardView[];

/** QuickSight's input column type for each SQL type. */
export const QUICKSIGHT_COLUMN_TYPES: Readonly<Record<ViewColumnType, string>> = {
  string: 'STRING',
  int: 'INTEGER',
  bigint: 'INTEGER',
  double: 'DECIMAL',
  date: 'DATETIME',
};

/** What the owner may do with each kind of asset (the console's "Owner" permission). */
const DATA_SOURCE_OWNER = [
  'quicksight:DescribeDataSource',
  'quicksight:DescribeDataSourcePermissions',
  'quicksight:PassDataSource',
  'quicksight:UpdateDataSource',
  'quicksight:DeleteDataSource',
  'quicksight:UpdateDataSourcePermissions',
];
const DATA_SET_OWNER = [
  'quicksight:DescribeDataSet',
  'quicksight:DescribeDataSetPermissions',
  'quicksight:PassDataSet',
  'quicksight:DescribeIngestion',
  'quicksight:ListIngestions',
  'quicksight:UpdateDataSet',
  'quicksight:DeleteDataSet',
  'quicksight:CreateIngestion',
  'quicksight:CancelIngestion',
  'quicksight:UpdateDataSetPermissions',
];
const DASHBOARD_OWNER = [
  'quicksight:DescribeDashboard',
  'quicksight:ListDashboardVersions',
  'quicksight:UpdateDashboardPermissions',
  'quicksight:QueryDashboard',
  'quicksight:UpdateDashboard',
  'quicksight:DeleteDashboard',
  'quicksight:DescribeDashboardPermissions',
  'quicksight:UpdateDashboardPublishedVersion',
];

/** The C360 dashboard's sheets: a short list of visuals over the datasets (identifier = view name). */
export function c360Sheets(): Sheet[] {
  return [
    sheet('customers', 'Customers', [
      kpi('kpi-total-profiles', 'Profiles', 'customers_overview', 'total_profiles'),
      kpi('kpi-identified', 'Identified', 'customers_overview', 'identified_profiles'),
      kpi('kpi-anonymous', 'Anonymous', 'customers_overview', 'anonymous_profiles'),
      kpi('kpi-merged-away', 'Merged away', 'customers_overview', 'merged_away_profiles'),
      kpi('kpi-with-email', 'With email', 'customers_overview', 'with_email'),
      kpi('kpi-with-phone', 'With phone', 'customers_overview', 'with_phone'),
      kpi('kpi-with-consent', 'With consent', 'customers_overview', 'with_consent'),
      lineChart('active-customers-daily', 'Active customers per day', 'active_customers_daily', { x: 'day', y: 'active_customers' }),
      barChart('segment-sizes', 'Segment sizes', 'segment_sizes', { category: 'segment', value: 'members' }),
    ]),
    sheet('revenue', 'Revenue and channels', [
      lineChart('revenue-trend', 'Revenue per day by channel', 'revenue_by_day_and_channel', { x: 'day', y: 'revenue', color: 'channel' }),
      barChart('orders-by-channel', 'Orders by channel', 'revenue_by_day_and_channel', { category: 'channel', value: 'orders' }),
      barChart('channel-events', 'Events by channel', 'channel_mix', { category: 'channel', value: 'events' }),
      pieChart('channel-customers', 'Customers by channel', 'channel_mix', { category: 'channel', value: 'customers' }),
    ]),
    sheet('retention', 'Cohort retention', [
      table('cohort-retention', 'Monthly cohorts', 'cohort_retention_monthly', [
        'cohort_month',
        'months_since_first',
        'cohort_size',
        'active_customers',
        'retention',
      ]),
    ]),
    sheet('identity', 'Identity graph health', [
      lineChart('merges-per-day', 'Merges per day by rule', 'merges_per_day', { x: 'day', y: 'merges', color: 'rule' }),
      barChart('identifiers-per-profile', 'Profiles by number of identifiers', 'identifiers_per_profile', {
        category: 'identifiers',
        categoryKind: 'number',
        value: 'profiles',
        orientation: 'VERTICAL',
      }),
    ]),
  ];
}

/** Every column a visual reads, as `<dataset>.<column>`. */
export function columnsReadBy(sheets: readonly Sheet[]): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (typeof o.dataSetIdentifier === 'string' && typeof o.columnName === 'string') found.add(`${o.dataSetIdentifier}.${o.columnName}`);
      Object.values(o).forEach(walk);
    }
  };
  walk(sheets);
  return [...found].sort();
}

/** Throws naming the first column a visual reads that its dataset does not have. */
export function checkSheetColumns(sheets: readonly Sheet[]): void {
  for (const ref of columnsReadBy(sheets)) {
    const [view, column] = ref.split('.') as [string, string];
    const columns = (DASHBOARD_VIEW_COLUMNS as Readonly<Record<string, readonly ViewColumn[]>>)[view];
    if (columns === undefined) throw new Error(`QuickSight dashboard: a visual reads dataset ${view}, which is not one of ${DASHBOARD_VIEWS.join(', ')}`);
    if (!columns.some((c) => c.name === column)) throw new Error(`QuickSight dashboard: a visual reads ${ref}; ${view} has ${columns.map((c) => c.name).join(', ')}`);
  }
}

export interface C360DashboardProps {
  /**
   * The deployment's name: asset ids are `<app>-athena-<suffix>`, `<app>-<view>-<suffix>` and
   * `<app>-c360-<suffix>`, lower case, the suffix unique to the deployment (physical-names.ts).
   */
  readonly appName: string;
  /** The QuickSight user or group ARN that owns every asset. */
  readonly principalArn: string;
  /** The analytics Athena workgroup the data source queries through. */
  readonly athenaWorkgroupName: string;
  /** The Glue database holding the shipped views. */
  readonly databaseName: string;
  /** What must exist before the datasets (the resource that creates the views). */
  readonly dependsOn?: readonly IDependable[];
  /** Applied to the data source, datasets and dashboard. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The Athena data source, direct-query datasets and the C360 dashboard.
 * Build it with `C360Dashboard.fromConfig`, which makes nothing without a
 * principal (QuickSight needs a subscription CloudFormation cannot create).
 */
export class C360Dashboard extends Construct {
  /** The dashboard when `analytics.quicksight.principalArn` is set; otherwise undefined and nothing is created. */
  public static fromConfig(
    scope: Construct,
    id: string,
    props: Omit<C360DashboardProps, 'principalArn'> & { readonly config: C360Config['analytics']['quicksight'] },
  ): C360Dashboard | undefined {
    const { config, ...rest } = props;
    if (config.principalArn === undefined) return undefined;
    return new C360Dashboard(scope, id, { ...rest, principalArn: config.principalArn });
  }

  public readonly dataSource: quicksight.CfnDataSource;
  public readonly dataSets: ReadonlyMap<DashboardView, quicksight.CfnDataSet>;
  public readonly dashboard: quicksight.CfnDashboard;

  constructor(scope: Construct, id: string, props: C360DashboardProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    const assetId = (what: string) => uniquePhysicalName(this, `${props.appName}-${what}`, NAME_RULES.quickSightId);
    const owner = (actions: string[]) => [{ principal: props.principalArn, actions }];

    this.dataSource = new quicksight.CfnDataSource(this, 'AthenaSource', {
      awsAccountId: account,
      dataSourceId: assetId('athena'),
      name: `c360 ${props.appName} (Athena)`,
      type: 'ATHENA',
      dataSourceParameters: { athenaParameters: { workGroup: props.athenaWorkgroupName } },
      permissions: owner(DATA_SOURCE_OWNER),
    });
    this.dataSource.applyRemovalPolicy(props.removalPolicy);

    const dataSets = new Map<DashboardView, quicksight.CfnDataSet>();
    for (const view of DASHBOARD_VIEWS) {
      const dataSet = new quicksight.CfnDataSet(this, `DataSet-${view}`, {
        awsAccountId: account,
        dataSetId: assetId(tableKey(view)),
        name: `c360 ${view}`,
        importMode: 'DIRECT_QUERY',
        // Map keys take letters, digits and hyphens only.
        physicalTableMap: {
          [tableKey(view)]: {
            relationalTable: {
              dataSourceArn: this.dataSource.attrArn,
              catalog: 'AwsDataCatalog',
              schema: props.databaseName,
              name: view,
              inputColumns: DASHBOARD_VIEW_COLUMNS[view].map((c) => ({ name: c.name, type: QUICKSIGHT_COLUMN_TYPES[c.type] })),
            },
          },
        },
        permissions: owner(DATA_SET_OWNER),
      });
      dataSet.applyRemovalPolicy(props.removalPolicy);
      for (const dependency of props.dependsOn ?? []) dataSet.node.addDependency(dependency);
      dataSets.set(view, dataSet);
    }
    this.dataSets = dataSets;

    const sheets = c360Sheets();
    checkSheetColumns(sheets);
    this.dashboard = new quicksight.CfnDashboard(this, 'Dashboard', {
      awsAccountId: account,
      dashboardId: assetId('c360'),
      name: `c360 ${props.appName}: customer 360`,
      definition: {
        dataSetIdentifierDeclarations: DASHBOARD_VIEWS.map((view) => ({ identifier: view, dataSetArn: (dataSets.get(view) as quicksight.CfnDataSet).attrArn })),
        sheets,
      },
      permissions: owner(DASHBOARD_OWNER),
      // CSV export would take rows out of QuickSight's access controls: off.
      dashboardPublishOptions: { adHocFilteringOption: { availabilityStatus: 'ENABLED' }, exportToCsvOption: { availabilityStatus: 'DISABLED' } },
    });
    this.dashboard.applyRemovalPolicy(props.removalPolicy);
  }
}
