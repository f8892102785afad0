// The overview page: KPI cards from customers_overview, then one card per
// shipped view (a chart, or a table where a table reads better).
import { card, drawChart, el, formatValue, header, label, ready, showError, table, viewComments, viewRows } from './common.js';

const by = (column, direction = 1) => (a, b) => (a[column] < b[column] ? -direction : a[column] > b[column] ? direction : 0);
const RFM_ORDER = ['Champions', 'Loyal', 'New', 'At Risk', 'Hibernating', 'Other'];

/** The cards, in page order: which view, how it is drawn (columns of sql/views/<NNN>-<view>.sql), in which row order. */
const CARDS = [
  { view: 'active_customers_daily', title: 'Active customers per day', chart: { type: 'line', x: 'day', y: 'active_customers', series: null }, sort: by('day'), wide: true },
  { view: 'revenue_by_day_and_channel', title: 'Revenue by day and channel', chart: { type: 'bar', stacked: true, x: 'day', series: 'channel', y: 'revenue' }, sort: by('day'), wide: true },
  { view: 'channel_mix', title: 'Channel mix (events)', chart: { type: 'doughnut', x: 'channel', y: 'events', series: null }, sort: by('events', -1) },
  { view: 'lifetime_value_distribution', title: 'Lifetime value distribution', chart: { type: 'bar', x: 'ltv_bucket', y: 'customers', series: null }, sort: by('bucket_order') },
  {
    view: 'rfm_segments',
    title: 'RFM segments',
    chart: { type: 'bar', x: 'rfm_segment', y: 'customers', series: null },
    sort: (a, b) => RFM_ORDER.indexOf(a.rfm_segment) - RFM_ORDER.indexOf(b.rfm_segment),
  },
  { view: 'cohort_retention_monthly', title: 'Cohort retention, monthly', render: cohortTable, wide: true },
  { view: 'merges_per_day', title: 'Identity graph: merges per day', chart: { type: 'bar', stacked: true, x: 'day', series: 'rule', y: 'merges' }, sort: by('day') },
  { view: 'identifiers_per_profile', title: 'Identity graph: identifiers per profile', chart: { type: 'bar', x: 'identifiers', y: 'profiles', series: null }, sort: by('identifiers') },
  { view: 'rejected_links_by_reason', title: 'Identity graph: rejected links by reason', chart: { type: 'bar', x: 'reason', y: 'links', series: null }, sort: by('links', -1) },
  { view: 'data_freshness', title: 'Data freshness', render: (body, rows) => body.replaceChildren(table(rows)), sort: by('source') },
  // Reasons are sentences: a table reads better than a chart's axis.
  { view: 'quarantine_by_reason', title: 'Quarantine by reason', render: (body, rows) => body.replaceChildren(table(rows)), sort: by('records', -1) },
];

/** Cohorts as rows, months since the first as columns, each cell the share of the cohort active that month. */
function cohortTable(body, rows) {
  if (rows.length === 0) {
    body.replaceChildren(el('p', { className: 'empty' }, 'No activity yet.'));
    return;
  }
  const months = [...new Set(rows.map((r) => r.months_since_first))].sort((a, b) => a - b);
  const cohorts = [...new Set(rows.map((r) => r.cohort_month))].sort();
  const cell = new Map(rows.map((r) => [`${r.cohort_month}|${r.months_since_first}`, r]));
  const size = new Map(rows.map((r) => [r.cohort_month, r.cohort_size]));
  body.replaceChildren(
    el(
      'table',
      { className: 'cohorts' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Cohort'), el('th', { scope: 'col', className: 'n' }, 'Customers'), months.map((m) => el('th', { scope: 'col', className: 'n' }, `Month ${m}`)))),
      el(
        'tbody',
        {},
        cohorts.map((c) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row' }, formatValue(c)),
            el('td', { className: 'n' }, formatValue(size.get(c))),
            months.map((m) => {
              const r = cell.get(`${c}|${m}`);
              return el('td', { className: 'n', title: r ? `${r.active_customers} of ${r.cohort_size}` : '' }, r ? `${Math.round(r.retention * 100)}%` : '');
            }),
          ),
        ),
      ),
    ),
  );
}

async function kpis(container, comments) {
  try {
    const rows = await viewRows('customers_overview');
    const row = rows[0] ?? {};
    const cards = Object.entries(row).map(([name, value]) =>
      el('div', { className: 'kpi', dataset: { kpi: name } }, el('span', { className: 'kpi-label' }, label(name)), el('span', { className: 'kpi-value' }, formatValue(value))),
    );
    container.replaceChildren(...(cards.length > 0 ? cards : [el('p', { className: 'empty' }, 'No profiles yet.')]));
    if (comments.has('customers_overview')) container.title = comments.get('customers_overview');
  } catch (err) {
    container.replaceChildren(el('p', { className: 'error', role: 'alert' }, `Could not load the customer counts: ${err.message}`));
  }
}

async function drawCard(spec, body) {
  try {
    const rows = await viewRows(spec.view);
    if (spec.sort) rows.sort(spec.sort);
    if (spec.render) spec.render(body, rows);
    else drawChart(body, rows, spec.chart);
  } catch (err) {
    showError(body, err);
  }
}

async function main() {
  header('overview');
  let comments = new Map();
  try {
    comments = await viewComments();
  } catch (err) {
    document.getElementById('kpis').replaceChildren(el('p', { className: 'error', role: 'alert' }, `The warehouse is not available: ${err.message}`));
    ready();
    return;
  }
  const cards = document.getElementById('cards');
  const work = [kpis(document.getElementById('kpis'), comments)];
  for (const spec of CARDS) {
    const { section, body } = card(spec.title, { view: spec.view, comment: comments.get(spec.view), wide: spec.wide });
    cards.append(section);
    if (!comments.has(spec.view)) body.replaceChildren(el('p', { className: 'empty' }, `The view ${spec.view} is not defined in this warehouse.`));
    else work.push(drawCard(spec, body));
  }
  await Promise.allSettled(work);
  ready();
}

main();
