/**
 * DEFLATE with a preset dictionary for the stored documents (profile
 * documents and journal items). A profile document is a few KB of JSON whose
 * field names and fixed values (`"traits":{`, `"v":`, `"t":17…`,
 * `"rule":"shared-identifier"`, the consent fields) repeat in every item but
 * only once or twice within one: plain DEFLATE spells them out in each item.
 * Starting from a dictionary of them takes about a fifth off a typical
 * deflated document, which puts most profile items under DynamoDB's 1 KB
 * write unit.
 *
 * Format: a marker byte, the dictionary's id, then the raw DEFLATE stream.
 * The marker (0xFE: block type 3, which DEFLATE reserves) can never start a
 * raw DEFLATE stream, so a document written before dictionaries (a bare raw
 * DEFLATE stream) is told apart by its first byte and still inflates.
 *
 * A dictionary is part of the stored format: once released it never changes
 * (the documents deflated with it need it byte for byte). A better one gets a
 * new id and the old stays for reading.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const MARKER = 0xfe;

/**
 * Fragments of the profile document as core/profile/profile.ts shapes it,
 * the Segment spec's reserved identify traits, c360's identifier types,
 * channels and default consent purposes. DEFLATE reaches the end of a
 * dictionary most cheaply, so the most frequent fragments come last.
 */
const PROFILE_FRAGMENTS_1 = [
  '"rejectedScores":[{"messageId":"","type":"track","name":"","timestamp":"20","reason":""}],',
  '"scores":{"":{"score":0.,"modelVersion":"","algorithm":"logistic-regression","scoredAt":"20","topFeatures":[{"feature":"","weight":,"value":}],"messageId":""}},',
  '"unmerges":[{"at":"20","from":"","restored":"","merge":{},"reason":"","events":{"from":,"restored":}}],"separatedFrom":[""],',
  '"rejectedIdentifiers":[{"type":"","value":"","reason":"","messageId":""}],"dropped":{"merges":,"rejectedIdentifiers":,"rejectedScores":},',
  '"mergedInto":"",',
  '"address":{"street":"","city":"","state":"","postalCode":"","country":""},"birthday":"","gender":"","title":"","company":"","website":"","avatar":"","username":"","description":"",',
  '"industry":"","employees":,"plan":"","age":,true,false,null,"emailRaw":{"v":"","t":17,"m":""},"phoneRaw":{"v":"(","t":17,"m":""},',
  '"channels":{"web":,"mobile":,"server":,"store":,"crm":,"support":,"email":,"sms":,"push":},',
  '"consent":{"analytics":[{"status":"granted","at":17,"source":"context","policyVersion":"","messageId":""}],',
  '"personalization":[{"status":"denied","at":17,"source":"event","policyVersion":"1","messageId":""}],',
  '"marketing_email":[{"status":"granted","at":17,"source":"event","policyVersion":"1","messageId":""}],',
  '"marketing_sms":[{"status":"granted","at":17,"source":"event","policyVersion":"1","messageId":""}],',
  '"marketing_push":[{"status":"denied","at":17,"source":"event","policyVersion":"1","messageId":""}],',
  '"advertising":[{"status":"granted","at":17,"source":"event","policyVersion":"1","messageId":""}],"data_sharing":[{"status":"denied","at":17,',
  '"merges":[{"at":"20","survivor":"","merged":"","rule":"matched","matchId":"","matchRule":""},{"at":"20","survivor":"","merged":"","rule":"shared-identifier",',
  '"identifier":{"type":"anonymousId","value":""},"matchedWith":{"type":"userId","value":""},"messageId":""}],"mergedFrom":[""],',
  '"segments":{"":"20"},"recheckAt":17,"aggregates":{"":["",[[""],[]]],"":["",17]},',
  '"computed":{"eventCount":,"firstSeen":17,"lastSeen":17,"orderCount":,"revenue":},',
  '"traits":{"firstName":{"v":"","t":17,"m":""},"lastName":{"v":"","t":17,"m":""},"name":{"v":"","t":17,"m":""},',
  '"city":{"v":"","t":17,"m":""},"state":{"v":"","t":17,"m":""},"country":{"v":"","t":17,"m":""},"timezone":{"v":"","t":17,"m":""},',
  '"email":{"v":"","t":17,"m":""},"phone":{"v":"+1","t":17,"m":""},"seen":[["",17],["",17]],',
  '"links":{"deviceToken#":[17,"",[]],"phone#+1":[17,"",[]],"email#":[17,"",["anonymousId#"]],"anonymousId#":[17,"",["userId#"]],"userId#":[17,"",["anonymousId#","email#","phone#+1"]]},',
  '{"schemaVersion":2,"profileId":"","version":,"createdAt":"20","updatedAt":"20",',
  '"identifiers":{"deviceToken":[""],"phone":["+1"],"email":[""],"anonymousId":["",""],"userId":[""]},',
];

/**
 * Fragments of a journal item: events as the consumer applies them
 * (shared/events.ts UnifyEvent, less what the journal leaves out), with
 * Segment's spec event names and e-commerce properties.
 */
const JOURNAL_FRAGMENTS_1 = [
  '"moved":[""],"previousId":"","groupId":"","score":{"model":"","probability":0.},',
  '"properties":{"checkout_id":"","order_id":"","orderId":"","affiliation":"","total":,"subtotal":,"revenue":,"shipping":,"tax":,"discount":,"coupon":"","currency":"USD",',
  '"products":[{"product_id":"","sku":"","category":"","name":"","brand":"","variant":"","price":,"quantity":1,"coupon":"","position":,"url":"","image_url":""}]},',
  '"name":"Products Searched","name":"Product List Viewed","name":"Cart Viewed","name":"Checkout Started","name":"Order Refunded","name":"Signed Up","name":"Signed In",',
  '"path":"/","referrer":"","search":"","title":"","url":"https://",',
  '"consent":[{"purpose":"analytics","status":"granted","at":17,"source":"context","policyVersion":"1","messageId":""},',
  '{"purpose":"personalization","status":"denied","at":17,"source":"event","policyVersion":"1","messageId":""},',
  '{"purpose":"marketing_email","status":"granted","at":17,"source":"event","policyVersion":"1","messageId":""},',
  '{"purpose":"marketing_sms","status":"granted","at":17,"source":"event","policyVersion":"1","messageId":""},',
  '{"purpose":"marketing_push","status":"denied","at":17,"source":"event","policyVersion":"1","messageId":""},',
  '{"purpose":"advertising","status":"granted","at":17,"source":"event","policyVersion":"1","messageId":""}],',
  '"traits":{"email":"","phone":"+1","firstName":"","lastName":"","name":"","city":"","state":"","country":"","timezone":""},',
  '{"messageId":"","type":"identify","ts":17,"identifiers":[{"type":"email","value":""},{"type":"phone","value":"+1"}],',
  '{"messageId":"","type":"page","name":"","ts":17,"identifiers":[{"type":"anonymousId","value":""}],"traits":{},"properties":{"path":"/"},"channel":"web"},',
  '{"messageId":"","type":"screen","name":"","ts":17,"identifiers":[{"type":"deviceToken","value":""}],"traits":{},"properties":{},"channel":"mobile"},',
  '{"messageId":"","type":"track","name":"Product Viewed","name":"Product Added","name":"Order Completed","ts":17,',
  '"properties":{"product_id":"","sku":"","name":"","category":"","price":,"quantity":1},"channel":"","revenue":',
  '{"events":[{"messageId":"","type":"track","name":"","ts":17,"identifiers":[{"type":"userId","value":""},{"type":"anonymousId","value":""}],"traits":{},',
];

/** Dictionaries by id (see above: never change a released one). */
const DICTIONARIES: Readonly<Record<number, Buffer>> = {
  1: Buffer.from(PROFILE_FRAGMENTS_1.join(''), 'utf8'),
  2: Buffer.from(JOURNAL_FRAGMENTS_1.join(''), 'utf8'),
};

/** The dictionaries new documents are deflated with: profile documents, and the events of journal items. */
export const PROFILE_DICTIONARY = 1;
export const JOURNAL_DICTIONARY = 2;

/** `text` deflated with a preset dictionary, in the format above. */
export function deflateDocument(text: string, dictionary: number): Uint8Array {
  const dict = DICTIONARIES[dictionary];
  if (dict === undefined) throw new Error(`no document dictionary ${dictionary}`);
  const body = deflateRawSync(text, { dictionary: dict });
  const out = new Uint8Array(body.length + 2);
  out[0] = MARKER;
  out[1] = dictionary;
  out.set(body, 2);
  return out;
}

/**
 * The text of a stored document: deflated with a dictionary (deflateDocument),
 * or a bare raw DEFLATE stream as written before dictionaries. Throws when
 * the dictionary is one this code does not have (a newer c360 wrote it) or
 * the bytes do not inflate.
 */
export function inflateDocument(doc: Uint8Array): string {
  if (doc[0] !== MARKER) return inflateRawSync(doc).toString('utf8');
  const id = doc[1] as number;
  const dict = DICTIONARIES[id];
  if (dict === undefined) throw new Error(`the document was deflated with dictionary ${id}, which this code does not have: it was written by a newer c360; deploy that version to read it`);
  return inflateRawSync(doc.subarray(2), { dictionary: dict }).toString('utf8');
}
