/**
 * Typed helpers that build QuickSight dashboard definition objects (visuals,
 * sheets with a grid layout) for `CfnDashboard`, so a dashboard reads as a
 * short list of calls: `kpi(...)`, `lineChart(...)`, `barChart(...)`,
 * `pieChart(...)`, `table(...)`, `sheet(...)`.
 *
 * `dataset` is always the dataset identifier declared in the dashboard
 * definition's `dataSetIdentifierDeclarations`; columns are column names of
 * that dataset. Field ids are `<visual id>.<column>`, unique in a dashboard
 * as long as visual ids are.
 */
import type { CfnDashboard } from 'aws-cdk-lib/aws-quicksight';

export type Visual = CfnDashboard.VisualProperty;
export type Sheet = CfnDashboard.SheetDefinitionProperty;
/** QuickSight's simple numerical aggregations used here. */
export type Aggregation = 'SUM' | 'AVERAGE' | 'MIN' | 'MAX' | 'COUNT' | 'DISTINCT_COUNT';
export type DateGranularity = 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR';
/** How a category column is read: text, a number (e.g. a count of identifiers) or a date. */
export type DimensionKind = 'text' | 'number' | 'date';

const ID = /^[A-Za-z0-9_-]{1,128}$/;

function checkId(id: string): string {
  if (!ID.test(id)) throw new Error(`QuickSight visual id "${id}": letters, digits, _ and - (1 to 128)`);
  return id;
}

const columnOf = (dataset: string, column: string): CfnDashboard.ColumnIdentifierProperty => ({ dataSetIdentifier: dataset, columnName: column });

const titleOf = (text: string): CfnDashboard.VisualTitleLabelOptionsProperty => ({ visibility: 'VISIBLE', formatText: { plainText: text } });

function measure(visualId: string, dataset: string, column: string, aggregation: Aggregation): CfnDashboard.MeasureFieldProperty {
  return {
    numericalMeasureField: {
      fieldId: `${visualId}.${column}`,
      column: columnOf(dataset, column),
      aggregationFunction: { simpleNumericalAggregation: aggregation },
    },
  };
}

function dimension(visualId: string, dataset: string, column: string, kind: DimensionKind, granularity: DateGranularity = 'DAY'): CfnDashboard.DimensionFieldProperty {
  const field = { fieldId: `${visualId}.${column}`, column: columnOf(dataset, column) };
  switch (kind) {
    case 'date':
      return { dateDimensionField: { ...field, dateGranularity: granularity } };
    case 'number':
      return { numericalDimensionField: field };
    case 'text':
      return { categoricalDimensionField: field };
  }
}

/** A single number: `aggregation` (SUM by default) of `column`. */
export function kpi(id: string, title: string, dataset: string, column: string, aggregation: Aggregation = 'SUM'): Visual {
  return {
    kpiVisual: {
      visualId: checkId(id),
      title: titleOf(title),
      chartConfiguration: { fieldWells: { values: [measure(id, dataset, column, aggregation)] } },
    },
  };
}

export interface LineChartOptions {
  /** The date column along the x axis. */
  readonly x: string;
  /** The measure. */
  readonly y: string;
  /** A column that splits the measure into one line per value. */
  readonly color?: string;
  /** @default 'DAY' */
  readonly granularity?: DateGranularity;
  /** @default 'SUM' */
  readonly aggregation?: Aggregation;
}

/** A trend over time: one line, or one per value of `color`. */
export function lineChart(id: string, title: string, dataset: string, options: LineChartOptions): Visual {
  return {
    lineChartVisual: {
      visualId: checkId(id),
      title: titleOf(title),
      chartConfiguration: {
        fieldWells: {
          lineChartAggregatedFieldWells: {
            category: [dimension(id, dataset, options.x, 'date', options.granularity)],
            values: [measure(id, dataset, options.y, options.aggregation ?? 'SUM')],
            ...(options.color === undefined ? {} : { colors: [dimension(id, dataset, options.color, 'text')] }),
          },
        },
      },
    },
  };
}

export interface BarChartOptions {
  /** The column with one bar per value. */
  readonly category: string;
  /** @default 'text' */
  readonly categoryKind?: DimensionKind;
  /** The measure. */
  readonly value: string;
  /** @default 'SUM' */
  readonly aggregation?: Aggregation;
  /** @default 'HORIZONTAL' */
  readonly orientation?: 'HORIZONTAL' | 'VERTICAL';
}

/** One bar per value of `category`. */
export function barChart(id: string, title: string, dataset: string, options: BarChartOptions): Visual {
  return {
    barChartVisual: {
      visualId: checkId(id),
      title: titleOf(title),
      chartConfiguration: {
        orientation: options.orientation ?? 'HORIZONTAL',
        fieldWells: {
          barChartAggregatedFieldWells: {
            category: [dimension(id, dataset, options.category, options.categoryKind ?? 'text')],
            values: [measure(id, dataset, options.value, options.aggregation ?? 'SUM')],
          },
        },
      },
    },
  };
}

export interface PieChartOptions {
  readonly category: string;
  readonly value: string;
  /** @default 'SUM' */
  readonly aggregation?: Aggregation;
}

/** Shares of `value` by `category`. */
export function pieChart(id: string, title: string, dataset: string, options: PieChartOptions): Visual {
  return {
    pieChartVisual: {
      visualId: checkId(id),
      title: titleOf(title),
      chartConfiguration: {
        fieldWells: {
          pieChartAggregatedFieldWells: {
            category: [dimension(id, dataset, options.category, 'text')],
            values: [measure(id, dataset, options.value, options.aggregation ?? 'SUM')],
          },
        },
      },
    },
  };
}

/** The rows as they are (no aggregation), with `columns` in this order. */
export function table(id: string, title: string, dataset: string, columns: readonly string[]): Visual {
  if (columns.length === 0) throw new Error(`QuickSight table ${id}: at least one column`);
  return {
    tableVisual: {
      visualId: checkId(id),
      title: titleOf(title),
      chartConfiguration: {
        fieldWells: {
          tableUnaggregatedFieldWells: {
            values: columns.map((column) => ({ fieldId: `${id}.${column}`, column: columnOf(dataset, column) })),
          },
        },
      },
    },
  };
}

/** The id of a visual built by the helpers above. */
export function visualId(visual: Visual): string {
  for (const value of Object.values(visual) as Array<{ visualId?: string } | undefined>) {
    if (value !== undefined && typeof value.visualId === 'string') return value.visualId;
  }
  throw new Error('not a visual built by quicksight-visuals');
}

/** Grid cells (of QuickSight's 36 columns) a visual takes: KPI cards small, charts half a row, tables a full row. */
function span(visual: Visual): { columnSpan: number; rowSpan: number } {
  if (visual.kpiVisual !== undefined) return { columnSpan: 6, rowSpan: 5 };
  if (visual.tableVisual !== undefined) return { columnSpan: 36, rowSpan: 14 };
  return { columnSpan: 18, rowSpan: 12 };
}

/** A sheet of `visuals`, laid out in a grid in the order given. Visual ids must be unique. */
export function sheet(id: string, name: string, visuals: readonly Visual[]): Sheet {
  const ids = visuals.map(visualId);
  const duplicate = ids.find((v, i) => ids.indexOf(v) !== i);
  if (duplicate !== undefined) throw new Error(`QuickSight sheet ${id}: visual id ${duplicate} is used twice`);
  return {
    sheetId: checkId(id),
    name,
    visuals: [...visuals],
    layouts: [
      {
        configuration: {
          gridLayout: { elements: visuals.map((v) => ({ elementId: visualId(v), elementType: 'VISUAL', ...span(v) })) },
        },
      },
    ],
  };
}
