/**
 * User agent → `{ device, os, browser }` for `context`, with ua-parser-js.
 */
import UAParser from 'ua-parser-js';

type Json = Record<string, unknown>;

/** Parsing a user agent is most of an event's ingest cost; the same few agents recur, so recent results are kept. */
const UA_MEMO_LIMIT = 2_000;
const uaMemo = new Map<string, Json>();

/** The device, OS and browser a user agent names; recent results are memoised. */
export function userAgentContext(userAgent: string): Json {
  let parsed = uaMemo.get(userAgent);
  if (parsed === undefined) {
    parsed = parseUserAgent(userAgent);
    if (uaMemo.size >= UA_MEMO_LIMIT) uaMemo.clear();
    uaMemo.set(userAgent, parsed);
  }
  return parsed;
}

function parseUserAgent(userAgent: string): Json {
  const ua = new UAParser(userAgent).getResult();
  const clean = (o: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].length > 0));
  const device = clean({ type: ua.device.type ?? 'desktop', vendor: ua.device.vendor, model: ua.device.model });
  return { device, os: clean({ name: ua.os.name, version: ua.os.version }), browser: clean({ name: ua.browser.name, version: ua.browser.version }) };
}

