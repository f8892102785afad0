// Shared helpers of the dashboard pages: fetching JSON, building DOM from
// data (always as text, never as markup), formatting, tables and charts.

/** GET a JSON document; rejects with the server's message on an error status. */
export async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  let body;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const err = new Error((body && body.message) || `${url} answered ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

/** Rows of a shipped view (GET /dashboard/api/views/<name>). */
export async function viewRows(name) {
  const body = await getJson(`/dashboard/api/views/${encodeURIComponent(name)}`);
  return body.rows;
}

/** What each shipped view answers, by name (its SQL file's comment). */
export async function viewComments() {
  const body = await getJson('/dashboard/api/views');
  return new Map(body.views.map((v) => [v.name, v.comment]));
}

/**
 * An element: `el('td', { className: 'n' }, 'text', child)`. Strings become
 * text nodes, so data is never parsed as HTML.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** `total_profiles` / `totalRevenue` → "Total profiles" / "Total revenue". */
export function label(name) {
  const words = String(name)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** A value for reading: numbers grouped, ISO times shortened, objects as JSON, empty as "—". */
export function formatValue(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'number') return numberFormat.format(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'object') return JSON.stringify(value);
  const text = String(value);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return text.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
  return text;
}

const isNumeric = (rows, column) => rows.some((r) => typeof r[column] === 'number') && rows.every((r) => r[column] === null || typeof r[column] === 'number');

/** A table of rows (objects); `columns` defaults to the first row's keys. */
export function table(rows, columns = rows.length > 0 ? Object.keys(rows[0]) : [], headings = columns.map(label)) {
  if (rows.length === 0) return el('p', { className: 'empty' }, 'No rows yet.');
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, headings.map((h, i) => el('th', { scope: 'col', className: isNumeric(rows, columns[i]) ? 'n' : '' }, h)))),
    el(
      'tbody',
      {},
      rows.map((r) => el('tr', {}, columns.map((c) => el('td', { className: typeof r[c] === 'number' ? 'n' : '' }, formatValue(r[c]))))),
    ),
  );
}

/** A two-column table of an object's entries. */
export function keyValueTable(object, keyHeading = 'Name', valueHeading = 'Value') {
  const rows = Object.entries(object ?? {}).map(([k, v]) => ({ k, v }));
  return table(rows, ['k', 'v'], [keyHeading, valueHeading]);
}

/** A card: a titled section with an optional explanation line. */
export function card(title, { view, comment, wide } = {}) {
  const body = el('div', { className: 'card-body' });
  const section = el(
    'section',
    { className: wide ? 'card wide' : 'card', dataset: view ? { view } : {} },
    el('h2', {}, title),
    comment ? el('p', { className: 'comment' }, comment) : null,
    body,
  );
  return { section, body };
}

/** Shows an error inside a card instead of its content. */
export function showError(body, err) {
  body.replaceChildren(el('p', { className: 'error', role: 'alert' }, `Could not load: ${err.message}`));
}

const PALETTE = ['#2563eb', '#16a34a', '#ea580c', '#9333ea', '#0891b2', '#dc2626', '#ca8a04', '#4b5563', '#db2777', '#65a30d'];


/**
 * Chart.js datasets from rows: `x` labels; `y` one dataset per numeric
 * column, or, with `series`, one dataset per value of that column. Columns not
 * given are picked from the rows: x the first text column, series the second,
 * y the numeric ones; `series: null` means none. With `carry`, an x a series
 * has no row for keeps the series' previous value (running totals), else 0.
 */
export function chartData(rows, { x, y, series, carry = false } = {}) {
  const columns = rows.length > 0 ? Object.keys(rows[0]) : [];
  const text = columns.filter((c) => !isNumeric(rows, c));
  const xCol = x && columns.includes(x) ? x : text[0] ?? columns[0];
  const seriesCol = series === undefined ? (text.length > 1 ? text.find((c) => c !== xCol) : undefined) : columns.includes(series) ? series : undefined;
  const numeric = columns.filter((c) => c !== xCol && c !== seriesCol && isNumeric(rows, c));
  const yCols = (Array.isArray(y) ? y : y ? [y] : numeric).filter((c) => columns.includes(c));
  const labels = [...new Set(rows.map((r) => formatValue(r[xCol])))];
  if (seriesCol !== undefined && yCols.length > 0) {
    const yCol = yCols[0];
    const names = [...new Set(rows.map((r) => formatValue(r[seriesCol])))];
    const datasets = names.map((name, i) => {
      const byX = new Map(rows.filter((r) => formatValue(r[seriesCol]) === name).map((r) => [formatValue(r[xCol]), r[yCol]]));
      let last = 0;
      const data = labels.map((l) => {
        if (byX.has(l)) last = byX.get(l) ?? 0;
        else if (!carry) return 0;
        return last;
      });
      return { label: name, data, backgroundColor: PALETTE[i % PALETTE.length], borderColor: PALETTE[i % PALETTE.length] };
    });
    return { labels, datasets, yLabel: label(yCol) };
  }
  const datasets = yCols.map((c, i) => ({ label: label(c), data: rows.map((r) => r[c] ?? 0), backgroundColor: PALETTE[i % PALETTE.length], borderColor: PALETTE[i % PALETTE.length] }));
  return { labels, datasets, yLabel: yCols.length === 1 ? label(yCols[0]) : '' };
}

/** Draws a chart of `rows` into `body` (a canvas, plus the rows as a table under a disclosure). */
export function drawChart(body, rows, { type = 'bar', stacked = false, ...columns } = {}) {
  if (rows.length === 0) {
    body.replaceChildren(el('p', { className: 'empty' }, 'No data yet.'));
    return;
  }
  const canvas = el('canvas', { role: 'img', 'aria-label': 'chart' });
  const data = chartData(rows, columns);
  const round = type === 'doughnut' || type === 'pie';
  // Counts get whole-number ticks.
  const whole = data.datasets.every((d) => d.data.every((v) => Number.isInteger(v)));
  if (round && data.datasets[0]) data.datasets[0].backgroundColor = data.labels.map((_, i) => PALETTE[i % PALETTE.length]);
  body.replaceChildren(el('div', { className: 'chart' }, canvas), el('details', {}, el('summary', {}, 'Data'), table(rows)));
  // eslint-disable-next-line no-undef -- Chart is the global of /assets/chart.js
  new Chart(canvas, {
    type,
    data: { labels: data.labels, datasets: data.datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: round || data.datasets.length > 1 } },
      scales: round ? {} : { x: { stacked }, y: { stacked, beginAtZero: true, ticks: whole ? { precision: 0 } : {}, title: { display: data.yLabel !== '', text: data.yLabel } } },
    },
  });
}

/** The header's customer search: any identifier type the profile API looks up, or a profile id. */
export function searchForm(current = {}) {
  const types = ['email', 'phone', 'userId', 'anonymousId', 'profileId'];
  const type = types.includes(current.type) ? current.type : 'email';
  const select = el('select', { name: 'type', 'aria-label': 'identifier type' }, types.map((t) => el('option', { value: t, selected: t === type }, label(t))));
  const input = el('input', { name: 'q', type: 'search', placeholder: 'email, phone, userId…', value: current.value ?? '', required: true, 'aria-label': 'identifier' });
  const form = el('form', { className: 'search', action: '/dashboard/customer', method: 'get' }, select, input, el('button', { type: 'submit' }, 'Find customer'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = input.value.trim();
    if (value === '') return;
    location.assign(`/dashboard/customer?${new URLSearchParams({ [select.value]: value })}`);
  });
  return form;
}

/** Fills the page header: title, navigation (the current page marked) and the search form. */
export function header(current, search) {
  const link = (href, text, name) => el('a', { href, 'aria-current': name === current ? 'page' : undefined }, text);
  document.querySelector('header').replaceChildren(
    el('a', { className: 'brand', href: '/' }, 'c360'),
    el('nav', {}, link('/', 'Overview', 'overview'), link('/dashboard/segments', 'Segments', 'segments')),
    searchForm(search),
  );
}

/** Marks the page as drawn (tests and the benchmark wait for it). */
export function ready() {
  document.body.dataset.ready = 'true';
}
