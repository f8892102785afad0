/**
 * A realistic multi-channel retail dataset: the same people seen as anonymous
 * web visitors, app users, store buyers, CRM contacts and support contacts,
 * each channel knowing them by different identifiers, with events arriving
 * out of order. Unification must join them into one profile per person.
 * Their consent comes as a CMP sends it: explicit decisions (the preference
 * event) and the consent object riding on web page views.
 */
import { Faker, en, en_US } from '@faker-js/faker';

export type DemoEvent = Record<string, unknown> & { messageId: string; type: string };

export interface DemoPerson {
  readonly userId: string;
  readonly email: string;
  readonly phone: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly channels: readonly string[];
}

export interface DemoDataset {
  readonly people: readonly DemoPerson[];
  /** Events in arrival order (shuffled against event time). */
  readonly events: readonly DemoEvent[];
  /** Deliberately broken records, to show the quarantine. */
  readonly poison: readonly string[];
}

const PRODUCTS = [
  { sku: 'SKU-1001', name: 'Trail Running Shoes', price: 129.0, category: 'Footwear' },
  { sku: 'SKU-1002', name: 'Merino Base Layer', price: 79.5, category: 'Apparel' },
  { sku: 'SKU-1003', name: 'Insulated Bottle', price: 34.95, category: 'Accessories' },
  { sku: 'SKU-1004', name: 'Rain Shell Jacket', price: 189.0, category: 'Apparel' },
  { sku: 'SKU-1005', name: 'Headlamp', price: 49.99, category: 'Accessories' },
  { sku: 'SKU-1006', name: 'Daypack 22L', price: 99.0, category: 'Bags' },
];
const AREA_CODES = ['206', '212', '303', '312', '415', '503', '617', '702', '718', '919'];
const STORES = ['Seattle Pike St', 'Portland Pearl', 'Boston Back Bay', 'Denver LoDo'];
/** The event Segment's consent management sends on every change (config governance.consent.preferenceEvent). */
const PREFERENCE_EVENT = 'Segment Consent Preference Updated';

export function generateDemo(options: { people?: number; seed?: number; now?: number } = {}): DemoDataset {
  const faker = new Faker({ locale: [en_US, en] });
  faker.seed(options.seed ?? 360);
  const now = options.now ?? Date.now();
  const day = 24 * 3600 * 1000;
  const events: DemoEvent[] = [];
  const people: DemoPerson[] = [];
  let n = 0;
  const id = () => `demo-${(options.seed ?? 360).toString(36)}-${(++n).toString(36).padStart(6, '0')}`;
  const at = (daysAgo: number) => new Date(now - daysAgo * day - faker.number.int({ min: 0, max: day - 1 })).toISOString();
  const product = () => faker.helpers.arrayElement(PRODUCTS);

  // Consent draws from its own generator and ids, so the rest of the dataset is the same with or without it.
  const consentFaker = new Faker({ locale: [en_US, en] });
  consentFaker.seed((options.seed ?? 360) + 1);
  let c = 0;
  const consentId = () => `demo-${(options.seed ?? 360).toString(36)}-c${(++c).toString(36).padStart(5, '0')}`;
  const consentAt = (daysAgo: number) => new Date(now - daysAgo * day - consentFaker.number.int({ min: 0, max: day - 1 })).toISOString();

  const count = options.people ?? 250;
  for (let i = 0; i < count; i++) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const userId = `cust_${String(10000 + i)}`;
    const email = faker.internet.email({ firstName, lastName, provider: faker.helpers.arrayElement(['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com']) }).toLowerCase();
    const area = faker.helpers.arrayElement(AREA_CODES);
    const phoneDigits = `${area}${faker.number.int({ min: 201, max: 989 })}${faker.string.numeric(4)}`;
    const phone = `+1${phoneDigits}`;
    const localPhone = `(${area}) ${phoneDigits.slice(3, 6)}-${phoneDigits.slice(6)}`;
    const webAnon = faker.string.uuid();
    const device = faker.string.uuid();
    // The first person uses every channel, so the demo has one complete story to show.
    const hero = i === 0;
    const uses = {
      web: hero || faker.datatype.boolean(0.85),
      app: hero || faker.datatype.boolean(0.5),
      store: hero || faker.datatype.boolean(0.55),
      crm: hero || faker.datatype.boolean(0.6),
      support: hero || faker.datatype.boolean(0.25),
    };
    const channels = Object.entries(uses).filter(([, v]) => v).map(([k]) => k);
    people.push({ userId, email, phone, firstName, lastName, channels });

    // The web CMP's banner: what this visitor answered (the hero accepts analytics and marketing, declines advertising).
    const banner = hero
      ? { Analytics: true, Marketing: true, Advertising: false }
      : { Analytics: consentFaker.datatype.boolean(0.8), Marketing: consentFaker.datatype.boolean(0.4), Advertising: consentFaker.datatype.boolean(0.3) };
    if (uses.web) {
      // Anonymous browsing, then a newsletter sign-up that reveals the email.
      for (let k = 0; k < faker.number.int({ min: 2, max: 6 }); k++) {
        const p = product();
        // Every page view carries the CMP's consent object for the visitors who answered the banner.
        const consent = hero || i % 3 === 0 ? { consent: { categoryPreferences: banner } } : {};
        events.push({ type: 'page', messageId: id(), anonymousId: webAnon, name: p.category, timestamp: at(60 - k), properties: { path: `/c/${p.category.toLowerCase()}` }, context: { channel: 'web', userAgent: 'Mozilla/5.0', ...consent } });
        events.push({ type: 'track', messageId: id(), anonymousId: webAnon, event: 'Product Viewed', timestamp: at(60 - k), properties: { sku: p.sku, name: p.name, price: p.price }, context: { channel: 'web' } });
      }
      events.push({ type: 'identify', messageId: id(), anonymousId: webAnon, timestamp: at(40), traits: { email: hero ? email.toUpperCase() : email, newsletter: true }, context: { channel: 'web' } });
      if (faker.datatype.boolean(0.6)) {
        const p = product();
        events.push({ type: 'track', messageId: id(), anonymousId: webAnon, userId, event: 'Order Completed', timestamp: at(30), properties: { orderId: `W-${faker.string.numeric(7)}`, revenue: p.price, currency: 'USD', products: [{ sku: p.sku, price: p.price, quantity: 1 }] }, context: { channel: 'web' } });
      }
    }
    if (uses.app) {
      events.push({ type: 'identify', messageId: id(), userId, anonymousId: device, timestamp: at(35), traits: { email, firstName }, context: { channel: 'mobile', device: { type: 'ios' } } });
      for (let k = 0; k < faker.number.int({ min: 1, max: 5 }); k++) {
        events.push({ type: 'screen', messageId: id(), userId, anonymousId: device, name: faker.helpers.arrayElement(['Home', 'Catalog', 'Wishlist', 'Cart']), timestamp: at(34 - k), context: { channel: 'mobile' } });
      }
    }
    if (uses.store) {
      // The point of sale knows the phone number typed at the till, nothing else.
      for (let k = 0; k < faker.number.int({ min: 1, max: 3 }); k++) {
        const p = product();
        const receipt = `pos-${faker.string.alphanumeric(10)}`;
        events.push({ type: 'track', messageId: id(), anonymousId: receipt, event: 'Order Completed', timestamp: at(20 - k * 5), properties: { orderId: receipt, total: String(p.price), currency: 'USD', store: faker.helpers.arrayElement(STORES), products: [{ sku: p.sku, price: p.price, quantity: 1 }] }, context: { channel: 'store', traits: { phone: localPhone } } });
      }
    }
    if (uses.crm) {
      events.push({ type: 'identify', messageId: id(), userId, timestamp: at(50), traits: { email, phone, firstName, lastName, city: faker.location.city(), state: faker.location.state({ abbreviated: true }), loyaltyTier: faker.helpers.arrayElement(['bronze', 'silver', 'gold']) }, context: { channel: 'crm' } });
      // A later CRM correction: event time, not arrival order, decides the tier.
      events.push({ type: 'identify', messageId: id(), userId, timestamp: at(5), traits: { loyaltyTier: 'gold' }, context: { channel: 'crm' } });
    }
    if (uses.web && (hero || i % 3 === 0)) {
      // Answering the banner is an explicit decision.
      events.push({ type: 'track', messageId: consentId(), anonymousId: webAnon, event: PREFERENCE_EVENT, timestamp: consentAt(61), properties: {}, context: { channel: 'web', consent: { categoryPreferences: banner } } });
    }
    if (uses.app && (hero || i % 4 === 1)) {
      // The preference centre in the app: push notifications, and (the hero) a later change of mind on SMS.
      const push = hero || consentFaker.datatype.boolean(0.5);
      events.push({ type: 'track', messageId: consentId(), userId, anonymousId: device, event: PREFERENCE_EVENT, timestamp: consentAt(33), properties: {}, context: { channel: 'mobile', consent: { categoryPreferences: { marketing_push: push, marketing_sms: hero } } } });
      if (hero) {
        events.push({ type: 'track', messageId: consentId(), userId, anonymousId: device, event: PREFERENCE_EVENT, timestamp: consentAt(3), properties: {}, context: { channel: 'mobile', consent: { categoryPreferences: { marketing_sms: false } } } });
      }
    }
    if (uses.support) {
      events.push({ type: 'track', messageId: id(), anonymousId: `zd-${faker.string.numeric(8)}`, event: 'Ticket Closed', timestamp: at(10), properties: { csat: faker.number.int({ min: 1, max: 5 }), topic: 'returns' }, context: { channel: 'support', traits: { email } } });
    }
  }
  return {
    people,
    events: faker.helpers.shuffle(events),
    poison: [
      '{"type":"track","event":"Product Viewed"',
      JSON.stringify({ type: 'track', messageId: 'demo-poison-1', event: 'Product Viewed', properties: {} }),
      JSON.stringify({ type: 'purchase', messageId: 'demo-poison-2', userId: 'cust_10000' }),
    ],
  };
}
