// The customer page: one profile found by any identifier (or its id) through
// the profile API — identities, every merge explained, traits, computed
// traits, segments, consent — its propensity scores, recommendations and the
// campaign messages of the outbox with every rule outcome, and its events
// from the lake, newest first.
import { card, el, formatValue, getJson, header, keyValueTable, ready, table } from './common.js';

const LOOKUPS = ['email', 'phone', 'userId', 'anonymousId'];
const TIMELINE_EVENTS = 200;

/** The search in the address: `{ type, value }` for the first known parameter. */
function searchOf(params) {
  for (const type of [...LOOKUPS, 'profileId']) {
    const value = params.get(type);
    if (value) return { type, value };
  }
  return undefined;
}

const identifierText = (i) => (i ? `${i.type} ${i.value}` : 'an identifier');
const when = (iso) => formatValue(iso);

/** One merge as a sentence a person can check: who joined whom, on which event, through which identifiers. */
function mergeSentence(m) {
  const who = [el('code', {}, m.merged), ' was merged into ', el('code', {}, m.survivor)];
  switch (m.rule) {
    case 'shared-identifier':
      return [
        ...who, ' because event ', el('code', {}, m.messageId ?? 'unknown'), ' carried ', el('strong', {}, identifierText(m.identifier)),
        ' (held by the merged profile) together with ', el('strong', {}, identifierText(m.matchedWith)), ' (held by the surviving profile).',
      ];
    case 'matched':
      return [...who, ' by batch matching', m.matchRule ? [' (rule ', el('strong', {}, m.matchRule), ')'] : '', m.matchId ? [', match group ', el('code', {}, m.matchId)] : '', '.'];
    case 'resumed':
      return [...who, ': this completes a merge an interrupted write left half done', m.messageId ? [' (event ', el('code', {}, m.messageId), ')'] : '', '.'];
    case 'placeholder':
      return [...who, ': two writers raced to create the profile for ', el('strong', {}, identifierText(m.identifier)), '; the other id only redirects here.'];
    default:
      return [...who, ` (${m.rule}).`];
  }
}

function mergesCard(merges) {
  const { section, body } = card('How this profile was assembled', { wide: true, comment: 'Every merge into this profile: the rule, the identifier, what it matched with, the event that linked them, and when.' });
  section.id = 'merges';
  if (merges.merges.length === 0) {
    body.append(el('p', { className: 'empty' }, 'No merges: every event arrived with identifiers of this profile only.'));
  } else {
    body.append(
      el('ol', { className: 'merge-explanations' }, merges.merges.map((m) => el('li', { dataset: { rule: m.rule } }, el('time', { dateTime: m.at }, when(m.at)), ' — ', ...mergeSentence(m).flat()))),
      table(
        merges.merges.map((m) => ({
          when: m.at,
          rule: m.rule,
          merged_profile: m.merged,
          identifier: m.identifier ? identifierText(m.identifier) : null,
          matched_with: m.matchedWith ? identifierText(m.matchedWith) : null,
          event_message_id: m.messageId ?? null,
        })),
      ),
    );
  }
  if (merges.unmerges.length > 0) {
    body.append(el('h3', {}, 'Unmerges'), table(merges.unmerges.map((u) => ({ when: u.at, restored: u.restored, reason: u.reason ?? null }))));
  }
  return section;
}

function identitiesCard(identities) {
  const { section, body } = card('Identities', { comment: 'Identifiers this profile holds, and those its events carried that were not linked, with the reason.' });
  section.id = 'identities';
  const held = Object.entries(identities.identifiers).flatMap(([type, values]) => values.map((value) => ({ type, value })));
  body.append(table(held, ['type', 'value'], ['Type', 'Value']));
  if (identities.rejectedIdentifiers.length > 0) {
    body.append(el('h3', {}, 'Not linked'), table(identities.rejectedIdentifiers, ['type', 'value', 'reason', 'messageId', 'at']));
  }
  return section;
}

const CALL_TYPES = { tracks: 'Track', identifies: 'Identify', pages: 'Page', screens: 'Screen' };

function timelineRow(e) {
  return el(
    'tr',
    { dataset: { messageId: String(e.message_id ?? '') } },
    el('td', {}, el('time', { dateTime: String(e.event_time ?? '') }, formatValue(e.event_time))),
    el('td', {}, CALL_TYPES[e.table] ?? e.table),
    el('td', {}, formatValue(e.event ?? e.name)),
    el('td', {}, formatValue(e.channel)),
    el('td', {}, formatValue(e.source)),
    el('td', {}, el('code', {}, formatValue(e.message_id))),
    el('td', { className: 'details' }, details(e.properties)),
  );
}

/** Properties (traits of an identify) as short text: the JSON, cut at DETAILS_CHARS. */
const DETAILS_CHARS = 120;
function details(json) {
  const text = json === null || json === undefined || json === '{}' ? '' : typeof json === 'string' ? json : JSON.stringify(json);
  return text.length > DETAILS_CHARS ? `${text.slice(0, DETAILS_CHARS - 1)}…` : text;
}

async function timelineCard(profile) {
  const { section, body } = card('Event timeline', { wide: true, comment: 'The customer’s events in the lake (tracks, identifies, pages, screens), newest first.' });
  section.id = 'timeline';
  const ids = [profile.profileId, ...profile.mergedFrom];
  const params = new URLSearchParams(ids.map((id) => ['profileId', id]));
  params.set('limit', String(TIMELINE_EVENTS));
  try {
    const { events, truncated } = await getJson(`/dashboard/api/timeline?${params}`);
    if (events.length === 0) body.append(el('p', { className: 'empty' }, 'No events in the lake yet (the lake and the profile export catch up within minutes).'));
    else {
      body.append(
        el('table', {}, el('thead', {}, el('tr', {}, ['When', 'Call', 'Event', 'Channel', 'Source', 'Message id', 'Properties / traits'].map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, events.map(timelineRow))),
      );
      if (truncated) body.append(el('p', { className: 'comment' }, `The newest ${events.length} events.`));
    }
  } catch (err) {
    body.append(el('p', { className: 'error', role: 'alert' }, `Could not load the timeline: ${err.message}`));
  }
  return section;
}

function scoresCard(scores) {
  const { section, body } = card('Propensity scores');
  section.id = 'scores';
  const rows = Object.entries(scores ?? {}).map(([model, s]) => ({
    model,
    score: Math.round(s.score * 1000) / 1000,
    'top features': (s.topFeatures ?? []).map((f) => `${f.feature} (${f.weight >= 0 ? '+' : ''}${Math.round(f.weight * 100) / 100})`).join(', '),
    'model version': s.modelVersion,
    'scored at': s.scoredAt,
  }));
  body.append(rows.length > 0 ? table(rows) : el('p', { className: 'empty' }, 'Not scored yet: the propensity job scores customers with orders (c360 activation run propensity).'));
  return section;
}

function recommendationsCard(answer) {
  const { section, body } = card('Recommendations');
  section.id = 'recommendations';
  if (answer === undefined || answer.error) {
    body.append(el('p', { className: 'empty' }, answer?.error ? `Not available: ${answer.error}` : 'No recommendations.'));
    return section;
  }
  body.append(el('p', {}, 'From ', el('code', { id: 'recommendations-source' }, answer.source), answer.note ? ` · ${answer.note}` : ''));
  const rows = answer.items.map((r) => ({ item: r.itemId, score: Math.round(r.score * 1000) / 1000, ...(r.attributes ?? {}) }));
  body.append(rows.length > 0 ? table(rows) : el('p', { className: 'empty' }, 'No items yet.'));
  return section;
}

function messagesCard(outbox) {
  const { section, body } = card('Messages', { wide: true });
  section.id = 'messages';
  const messages = outbox?.messages ?? [];
  if (outbox?.error) body.append(el('p', { className: 'empty' }, `Not available: ${outbox.error}`));
  else if (messages.length === 0) body.append(el('p', { className: 'empty' }, 'No campaign message yet.'));
  else {
    body.append(
      table(
        messages.map((m) => ({
          id: m.id,
          at: m.at,
          campaign: m.campaign,
          channel: m.channel,
          status: m.status,
          rules: (m.outcomes ?? []).map((o) => `${o.rule}: ${o.outcome}${o.detail ? ` (${o.detail})` : ''}`).join(' → '),
          content: m.content?.subject ?? m.content?.title ?? m.content?.text ?? '',
        })),
      ),
    );
  }
  return section;
}

function objectCard(title, id, object, empty, headings = ['Name', 'Value']) {
  const { section, body } = card(title);
  section.id = id;
  body.append(object && Object.keys(object).length > 0 ? keyValueTable(object, ...headings) : el('p', { className: 'empty' }, empty));
  return section;
}

async function main() {
  const params = new URLSearchParams(location.search);
  const search = searchOf(params);
  header('customer', search);
  const status = document.getElementById('status');
  const cards = document.getElementById('cards');
  if (search === undefined) {
    status.textContent = 'Search a customer by email, phone, userId, anonymousId or profile id.';
    ready();
    return;
  }
  status.textContent = `Looking up ${search.type} ${search.value}…`;
  const base = search.type === 'profileId' ? `/profiles/${encodeURIComponent(search.value)}` : `/profiles?${new URLSearchParams({ [search.type]: search.value })}`;
  let profile;
  try {
    profile = await getJson(base);
  } catch (err) {
    status.textContent = err.status === 404 ? `No customer has ${search.type} ${search.value}.` : `The lookup failed: ${err.message}`;
    status.className = err.status === 404 ? 'status' : 'status error';
    ready();
    return;
  }
  const id = encodeURIComponent(profile.profileId);
  const [identities, merges, exported, recommendations, outbox] = await Promise.all([
    getJson(`/profiles/${id}/identities`),
    getJson(`/profiles/${id}/merges`),
    // Segments, computed traits from config and consent: the latest profile export (the profile API does not answer them).
    getJson(`/dashboard/api/customer/${id}`).catch((err) => ({ error: err.message })),
    getJson(`/profiles/${id}/recommendations`).catch((err) => ({ error: err.message })),
    getJson(`/activation/outbox?${new URLSearchParams({ profileId: profile.profileId, limit: '50' })}`).catch((err) => ({ error: err.message })),
  ]);
  const name = [profile.traits.firstName, profile.traits.lastName].filter((v) => typeof v === 'string' && v !== '').join(' ');
  document.getElementById('title').textContent = name !== '' ? name : `Customer ${profile.profileId}`;
  document.title = `c360 · ${document.getElementById('title').textContent}`;
  status.replaceChildren(
    'Profile ', el('code', { id: 'profile-id' }, profile.profileId),
    profile.requestedId ? [' (', el('code', {}, profile.requestedId), ' was merged into it)'] : '',
    ` · created ${when(profile.createdAt)} · updated ${when(profile.updatedAt)}`,
  );
  const computed = {
    ...profile.computed,
    channels: profile.channels,
    enriched: Object.keys(profile.enriched ?? {}).length > 0 ? profile.enriched : undefined,
  };
  const computedCard = objectCard('Computed traits', 'computed', Object.fromEntries(Object.entries(computed).filter(([, v]) => v !== undefined)), 'Nothing computed yet.');
  if (exported.computedTraits && Object.keys(exported.computedTraits).length > 0) {
    computedCard.querySelector('.card-body').append(el('h3', {}, 'From the config, as of the latest export'), keyValueTable(exported.computedTraits));
  }
  const segments = profile.segments ?? (exported.segments ? Object.fromEntries(exported.segments.map((s) => [s.segment, s.entered_at])) : undefined);
  const consent = profile.consent ?? exported.consent ?? null;
  const notExported = exported.error ? `Not available: ${exported.error}` : 'Not in the latest profile export yet.';
  cards.append(
    identitiesCard(identities),
    objectCard('Traits', 'traits', profile.traits, 'No traits yet.'),
    computedCard,
    objectCard('Segments', 'segments', segments, segments === undefined ? notExported : 'In no segment.', ['Segment', 'Entered']),
    ...(consent !== null ? [objectCard('Consent', 'consent', consent, 'No consent recorded.')] : []),
    scoresCard(profile.scores),
    recommendationsCard(recommendations),
    messagesCard(outbox),
    mergesCard(merges),
    await timelineCard(profile),
  );
  ready();
}

main();
