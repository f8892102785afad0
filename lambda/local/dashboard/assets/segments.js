// The segments page: each configured segment with its size (segment_sizes)
// and its first members (the profile API), and sizes over time
// (segment_sizes_daily).
import { card, drawChart, el, formatValue, getJson, header, ready, showError, viewComments, viewRows } from './common.js';

const FIRST_MEMBERS = 10;

/** Members of `name` in segment_sizes (a segment nobody is in has no row). */
function sizeOf(rows, name) {
  return rows.find((r) => r.segment === name)?.members ?? 0;
}

async function segmentList(body, comments) {
  try {
    const [{ segments }, sizes] = await Promise.all([getJson('/segments'), comments.has('segment_sizes') ? viewRows('segment_sizes') : Promise.resolve([])]);
    if (segments.length === 0) {
      body.replaceChildren(el('p', { className: 'empty' }, 'No segments are configured.'));
      return;
    }
    const rows = await Promise.all(
      segments.map(async (s) => {
        const page = await getJson(`/segments/${encodeURIComponent(s.name)}/members?limit=${FIRST_MEMBERS}`);
        const members = page.profileIds.length === 0
          ? el('span', { className: 'empty' }, 'none yet')
          : el('ul', { className: 'members' }, page.profileIds.map((id) => el('li', {}, el('a', { href: `/dashboard/customer?${new URLSearchParams({ profileId: id })}` }, id))));
        return el(
          'tr',
          { dataset: { segment: s.name } },
          el('th', { scope: 'row' }, s.name),
          el('td', {}, s.description ?? ''),
          el('td', { className: 'n', dataset: { size: String(sizeOf(sizes, s.name)) } }, formatValue(sizeOf(sizes, s.name))),
          el('td', {}, members),
        );
      }),
    );
    body.replaceChildren(
      el(
        'table',
        { id: 'segment-list' },
        el('thead', {}, el('tr', {}, ['Segment', 'Description', 'Members', `First ${FIRST_MEMBERS} members`].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, rows),
      ),
    );
  } catch (err) {
    showError(body, err);
  }
}

async function chartCard(body, view, chart) {
  try {
    const rows = await viewRows(view);
    rows.sort((a, b) => String(a[chart.x]).localeCompare(String(b[chart.x])));
    drawChart(body, rows, chart);
  } catch (err) {
    showError(body, err);
  }
}

async function main() {
  header('segments');
  const cards = document.getElementById('cards');
  let comments = new Map();
  try {
    comments = await viewComments();
  } catch {
    // Without the warehouse the list still shows each segment's members.
  }
  const list = card('Segments and their members', { wide: true, comment: 'Each configured segment, its members in the latest profile export, and its first members now (the profile API).' });
  const sizes = card('Segment sizes', { view: 'segment_sizes', comment: comments.get('segment_sizes') });
  const daily = card('Segment sizes per day', { view: 'segment_sizes_daily', comment: comments.get('segment_sizes_daily') });
  cards.append(list.section, sizes.section, daily.section);
  await Promise.allSettled([
    segmentList(list.body, comments),
    comments.has('segment_sizes') ? chartCard(sizes.body, 'segment_sizes', { type: 'bar', x: 'segment', y: 'members', series: null }) : sizes.body.replaceChildren(el('p', { className: 'empty' }, 'Not defined in this warehouse.')),
    comments.has('segment_sizes_daily') ? chartCard(daily.body, 'segment_sizes_daily', { type: 'line', x: 'day', series: 'segment', y: 'members_end_of_day', carry: true }) : daily.body.replaceChildren(el('p', { className: 'empty' }, 'Not defined in this warehouse.')),
  ]);
  ready();
}

main();
