/**
 * A realistic multi-channel retail dataset: the same people seen as anonymous
 * web visitors, app users, store buyers, CRM contacts and support contacts,
 * each channel knowing them by different identifiers, with events arriving
 * out of order. Unification must join them into one profile per person.
 *
 * What the activation pillar needs of it:
 *  - a product catalog (DEMO_CATALOG, the same rows as samples/items.csv)
 *    and shopping behaviour over it: `Product Viewed`, `Product Added` and
 *    `Order Completed` with a `products` list. People shop mostly in one or
 *    two favourite categories, and items come in complementary pairs bought
 *    together, so co-occurrence has signal to find;
 *  - about a year of order history: some customers still active, some whose
 *    last order is more than 90 days old (lapsed), so churn and repurchase
 *    have examples of both outcomes;
 *  - consent as a CMP sends it: explicit decisions (the preference event)
 *    from the web banner and the app's preference centre for most people,
 *    and the banner's consent object riding on web page views;
 *  - a `timezone` trait (from the phone's area code) for quiet hours, and
 *    the push token (`context.device.token`) on the app's events of the
 *    people who allowed notifications on their phone.
 *
 * Deterministic for a seed (and `now`): the same options give the same events.
 */
import { Faker, en, en_US } from '@faker-js/faker';
import { stringify } from 'csv-stringify/sync';

export type DemoEvent = Record<string, unknown> & { messageId: string; type: string };

export interface DemoPerson {
  readonly userId: string;
  readonly email: string;
  readonly phone: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly channels: readonly string[];
  /** IANA time zone, from the phone's area code: the `timezone` trait wherever the person identifies (web sign-up, app, CRM). */
  readonly timezone: string;
  /** The app's push token, for the app users who allowed notifications. */
  readonly deviceToken?: string;
}

export interface DemoDataset {
  readonly people: readonly DemoPerson[];
  /** Events in arrival order (shuffled against event time). */
  readonly events: readonly DemoEvent[];
  /** Deliberately broken records, to show the quarantine. */
  readonly poison: readonly string[];
}

/** A row of the item catalog (samples/items.csv; config activation.recommendations.itemAttributes: category, brand, price). */
export interface DemoCatalogItem {
  readonly item_id: string;
  readonly name: string;
  readonly category: string;
  readonly brand: string;
  readonly price: number;
}

/**
 * Forty products in five categories. Within a category, neighbouring items
 * (1001 and 1002, 1003 and 1004, ...) complement each other: the demo's
 * shoppers often buy them together.
 */
export const DEMO_CATALOG: readonly DemoCatalogItem[] = [
  ['Trail Running Shoes', 'Footwear', 'Ridgeway', 129.0],
  ['Merino Running Socks', 'Footwear', 'Ridgeway', 18.5],
  ['Waterproof Hiking Boots', 'Footwear', 'Northline', 179.0],
  ['Boot Wax Kit', 'Footwear', 'Northline', 14.95],
  ['Approach Shoes', 'Footwear', 'Alpenglow', 139.0],
  ['Cushioned Insoles', 'Footwear', 'Alpenglow', 29.0],
  ['Camp Slides', 'Footwear', 'Tidewater', 39.0],
  ['Gaiters', 'Footwear', 'Tidewater', 34.0],
  ['Merino Base Layer', 'Apparel', 'Northline', 79.5],
  ['Merino Leggings', 'Apparel', 'Northline', 74.0],
  ['Rain Shell Jacket', 'Apparel', 'Summit & Co', 189.0],
  ['Rain Pants', 'Apparel', 'Summit & Co', 119.0],
  ['Down Puffer Jacket', 'Apparel', 'Alpenglow', 229.0],
  ['Fleece Beanie', 'Apparel', 'Alpenglow', 24.0],
  ['Sun Hoodie', 'Apparel', 'Tidewater', 59.0],
  ['Trail Shorts', 'Apparel', 'Tidewater', 49.0],
  ['Two-Person Tent', 'Camping', 'Summit & Co', 349.0],
  ['Tent Footprint', 'Camping', 'Summit & Co', 45.0],
  ['Down Sleeping Bag', 'Camping', 'Alpenglow', 299.0],
  ['Sleeping Pad', 'Camping', 'Alpenglow', 129.0],
  ['Backpacking Stove', 'Camping', 'Ridgeway', 69.0],
  ['Fuel Canister', 'Camping', 'Ridgeway', 7.95],
  ['Camp Chair', 'Camping', 'Tidewater', 89.0],
  ['Camp Lantern', 'Camping', 'Tidewater', 39.95],
  ['Insulated Bottle', 'Accessories', 'Tidewater', 34.95],
  ['Bottle Sling', 'Accessories', 'Tidewater', 19.0],
  ['Headlamp', 'Accessories', 'Ridgeway', 49.99],
  ['Rechargeable Battery Pack', 'Accessories', 'Ridgeway', 39.0],
  ['Trekking Poles', 'Accessories', 'Northline', 119.0],
  ['Pole Tip Protectors', 'Accessories', 'Northline', 9.5],
  ['Polarized Sunglasses', 'Accessories', 'Summit & Co', 89.0],
  ['Sunglasses Strap', 'Accessories', 'Summit & Co', 12.0],
  ['Daypack 22L', 'Bags', 'Northline', 99.0],
  ['Hydration Reservoir', 'Bags', 'Northline', 36.0],
  ['Backpack 55L', 'Bags', 'Summit & Co', 249.0],
  ['Pack Rain Cover', 'Bags', 'Summit & Co', 29.0],
  ['Duffel 60L', 'Bags', 'Alpenglow', 139.0],
  ['Packing Cubes', 'Bags', 'Alpenglow', 32.0],
  ['Hip Pack', 'Bags', 'Ridgeway', 45.0],
  ['Dry Bag Set', 'Bags', 'Ridgeway', 38.0],
].map(([name, category, brand, price], i) => ({ item_id: `SKU-${1001 + i}`, name: name as string, category: category as string, brand: brand as string, price: price as number }));

const CATEGORIES = [...new Set(DEMO_CATALOG.map((item) => item.category))];

/** The catalog as CSV (header item_id,name,category,brand,price): what samples/items.csv holds, and what an item import reads. */
export function demoCatalogCsv(): string {
  return stringify(DEMO_CATALOG.map((item) => ({ ...item, price: item.price.toFixed(2) })), {
    header: true,
    columns: ['item_id', 'name', 'category', 'brand', 'price'],
  });
}

/** The catalog index of the item bought with the one at `index` (its neighbour in the catalog). */
const complementOf = (index: number): number => (index % 2 === 0 ? index + 1 : index - 1);

/** Area codes of the demo's phones, and the time zone each is in. */
const AREA_CODES: Readonly<Record<string, string>> = {
  '206': 'America/Los_Angeles',
  '212': 'America/New_York',
  '303': 'America/Denver',
  '312': 'America/Chicago',
  '415': 'America/Los_Angeles',
  '503': 'America/Los_Angeles',
  '602': 'America/Phoenix',
  '617': 'America/New_York',
  '718': 'America/New_York',
  '808': 'Pacific/Honolulu',
};
const STORES = ['Seattle Pike St', 'Portland Pearl', 'Boston Back Bay', 'Denver LoDo'];
/** The event Segment's consent management sends on every change (config governance.consent.preferenceEvent). */
const PREFERENCE_EVENT = 'Segment Consent Preference Updated';

type Shop = 'web' | 'app' | 'store';

export function generateDemo(options: { people?: number; seed?: number; now?: number } = {}): DemoDataset {
  const seed = options.seed ?? 360;
  const faker = new Faker({ locale: [en_US, en] });
  faker.seed(seed);
  const now = options.now ?? Date.now();
  const day = 24 * 3600 * 1000;
  const events: DemoEvent[] = [];
  const people: DemoPerson[] = [];
  let n = 0;
  const id = () => `demo-${seed.toString(36)}-${(++n).toString(36).padStart(6, '0')}`;
  /** A time on the day `daysAgo` days before now (0: earlier today). */
  const at = (daysAgo: number) => new Date(now - daysAgo * day - faker.number.int({ min: 0, max: day - 1 })).toISOString();

  // Consent draws from its own generator and ids, so the rest of the dataset is the same with or without it.
  const consentFaker = new Faker({ locale: [en_US, en] });
  consentFaker.seed(seed + 1);
  let c = 0;
  const consentId = () => `demo-${seed.toString(36)}-c${(++c).toString(36).padStart(5, '0')}`;
  const consentAt = (daysAgo: number) => new Date(now - daysAgo * day - consentFaker.number.int({ min: 0, max: day - 1 })).toISOString();

  const count = options.people ?? 250;
  for (let i = 0; i < count; i++) {
    const firstName = faker.person.firstName();
    const lastName = faker.person.lastName();
    const userId = `cust_${String(10000 + i)}`;
    const email = faker.internet.email({ firstName, lastName, provider: faker.helpers.arrayElement(['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com']) }).toLowerCase();
    const area = faker.helpers.arrayElement(Object.keys(AREA_CODES));
    const timezone = AREA_CODES[area] as string;
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
    // Every customer is known somewhere by email: one seen only in a store (or nowhere yet) has a CRM record.
    if (!uses.web && !uses.app && !uses.support) uses.crm = true;
    // App users who allowed notifications: the app's events carry the push token.
    const token = uses.app && (hero || faker.datatype.boolean(0.7)) ? faker.string.hexadecimal({ length: 64, casing: 'lower', prefix: '' }) : undefined;
    const channels = Object.entries(uses).filter(([, v]) => v).map(([k]) => k);
    people.push({ userId, email, phone, firstName, lastName, channels, timezone, ...(token === undefined ? {} : { deviceToken: token }) });

    // Taste: one favourite category, often a second one.
    const favourite = faker.helpers.arrayElement(CATEGORIES);
    const second = faker.datatype.boolean(0.4) ? faker.helpers.arrayElement(CATEGORIES) : favourite;
    const pick = (): number => {
      const roll = faker.number.float({ min: 0, max: 1 });
      const category = roll < 0.75 ? favourite : roll < 0.95 ? second : faker.helpers.arrayElement(CATEGORIES);
      const inCategory = DEMO_CATALOG.flatMap((item, k) => (item.category === category ? [k] : []));
      return faker.helpers.arrayElement(inCategory);
    };

    // Order history over the past year: active customers ordered lately, lapsing ones stopped months ago.
    const shops: Shop[] = [...(uses.web ? (['web'] as const) : []), ...(uses.app ? (['app'] as const) : []), ...(uses.store ? (['store'] as const) : [])];
    const buyer = shops.length > 0 && (hero || faker.datatype.boolean(0.85));
    const lastOrderDaysAgo = hero ? 2 : faker.datatype.boolean(0.6) ? faker.number.int({ min: 0, max: 45 }) : faker.number.int({ min: 95, max: 250 });
    const firstOrderDaysAgo = Math.min(364, lastOrderDaysAgo + faker.number.int({ min: 0, max: 200 }));
    const orderCount = buyer ? (hero ? 4 : faker.number.int({ min: 1, max: 4 })) : 0;
    const orderDays = Array.from({ length: orderCount }, (_, k) => (k === 0 ? lastOrderDaysAgo : faker.number.int({ min: lastOrderDaysAgo, max: firstOrderDaysAgo })));

    // How each channel addresses the person, and its context.
    const mobile = { channel: 'mobile', device: { type: 'ios', ...(token === undefined ? {} : { token }) } };
    const address: Record<Shop, Record<string, unknown>> = {
      web: { anonymousId: webAnon, context: { channel: 'web' } },
      app: { userId, anonymousId: device, context: mobile },
      store: {},
    };
    const item = (k: number) => DEMO_CATALOG[k] as DemoCatalogItem;
    const viewed = (shop: 'web' | 'app', k: number, daysAgo: number) => {
      const p = item(k);
      events.push({ type: 'track', messageId: id(), ...address[shop], event: 'Product Viewed', timestamp: at(daysAgo), properties: { product_id: p.item_id, sku: p.item_id, name: p.name, category: p.category, price: p.price } });
    };

    if (uses.web) {
      // The web CMP's banner: what this visitor answered (the hero accepts analytics and marketing, declines advertising).
      const banner = hero
        ? { Analytics: true, Marketing: true, Advertising: false }
        : { Analytics: consentFaker.datatype.boolean(0.8), Marketing: consentFaker.datatype.boolean(0.4), Advertising: consentFaker.datatype.boolean(0.3) };
      const answered = hero || i % 3 === 0;
      // Anonymous browsing: a category page, and the products looked at there.
      for (let k = 0; k < faker.number.int({ min: 1, max: 2 }); k++) {
        // (The hero's browsing predates their explicit choices, so those stay the current state.)
        const daysAgo = faker.number.int({ min: hero ? 40 : 0, max: 120 });
        const first = pick();
        // Every page view carries the CMP's consent object for the visitors who answered the banner.
        const consent = answered ? { consent: { categoryPreferences: banner } } : {};
        const category = item(first).category;
        events.push({ type: 'page', messageId: id(), anonymousId: webAnon, name: category, timestamp: at(daysAgo), properties: { path: `/c/${category.toLowerCase()}` }, context: { channel: 'web', userAgent: 'Mozilla/5.0', ...consent } });
        viewed('web', first, daysAgo);
        if (faker.datatype.boolean(0.5)) viewed('web', complementOf(first), daysAgo);
      }
      // A newsletter sign-up reveals the email.
      events.push({ type: 'identify', messageId: id(), anonymousId: webAnon, timestamp: at(faker.number.int({ min: 30, max: 300 })), traits: { email: hero ? email.toUpperCase() : email, newsletter: true, timezone }, context: { channel: 'web' } });
      if (answered) {
        // Answering the banner is an explicit decision.
        events.push({ type: 'track', messageId: consentId(), anonymousId: webAnon, event: PREFERENCE_EVENT, timestamp: consentAt(hero ? 61 : consentFaker.number.int({ min: 30, max: 300 })), properties: {}, context: { channel: 'web', consent: { categoryPreferences: banner } } });
      }
    }
    if (uses.app) {
      events.push({ type: 'identify', messageId: id(), userId, anonymousId: device, timestamp: at(35), traits: { email, firstName, timezone }, context: mobile });
      for (let k = 0; k < faker.number.int({ min: 1, max: 2 }); k++) {
        events.push({ type: 'screen', messageId: id(), userId, anonymousId: device, name: faker.helpers.arrayElement(['Home', 'Catalog', 'Wishlist', 'Cart']), timestamp: at(34 - k), context: mobile });
      }
    }

    // Orders, each seen first as a product view (and, online, often added to the cart); items often come with their complement.
    for (const daysAgo of orderDays) {
      const shop = hero && daysAgo === lastOrderDaysAgo ? 'store' : faker.helpers.arrayElement(shops);
      const first = pick();
      const basket = [first];
      if (faker.datatype.boolean(0.55)) basket.push(complementOf(first));
      else if (faker.datatype.boolean(0.25)) basket.push(pick());
      const lines = [...new Set(basket)].map((k) => ({ product: item(k), quantity: faker.datatype.boolean(0.85) ? 1 : 2 }));
      const products = lines.map(({ product: p, quantity }) => ({ product_id: p.item_id, sku: p.item_id, name: p.name, price: p.price, quantity }));
      const amount = Math.round(lines.reduce((sum, l) => sum + l.product.price * l.quantity, 0) * 100) / 100;
      if (shop === 'store') {
        // The point of sale knows the phone number typed at the till, nothing else.
        const receipt = `pos-${faker.string.alphanumeric(10)}`;
        events.push({ type: 'track', messageId: id(), anonymousId: receipt, event: 'Order Completed', timestamp: at(daysAgo), properties: { orderId: receipt, total: amount.toFixed(2), currency: 'USD', store: faker.helpers.arrayElement(STORES), products }, context: { channel: 'store', traits: { phone: localPhone } } });
        continue;
      }
      viewed(shop, first, daysAgo);
      if (faker.datatype.boolean(0.5)) {
        const p = item(first);
        events.push({ type: 'track', messageId: id(), ...address[shop], event: 'Product Added', timestamp: at(daysAgo), properties: { product_id: p.item_id, sku: p.item_id, name: p.name, category: p.category, price: p.price, quantity: 1 } });
      }
      const orderId = `${shop === 'web' ? 'W' : 'A'}-${faker.string.numeric(7)}`;
      events.push({ type: 'track', messageId: id(), ...address[shop], userId, event: 'Order Completed', timestamp: at(daysAgo), properties: { orderId, revenue: amount, currency: 'USD', products } });
    }

    if (uses.crm) {
      events.push({ type: 'identify', messageId: id(), userId, timestamp: at(50), traits: { email, phone, firstName, lastName, city: faker.location.city(), state: faker.location.state({ abbreviated: true }), loyaltyTier: faker.helpers.arrayElement(['bronze', 'silver', 'gold']), timezone }, context: { channel: 'crm' } });
      // A later CRM correction: event time, not arrival order, decides the tier.
      events.push({ type: 'identify', messageId: id(), userId, timestamp: at(5), traits: { loyaltyTier: 'gold' }, context: { channel: 'crm' } });
    }
    if (hero) {
      // The preference centre in the app: push notifications, and a later change of mind on SMS.
      events.push({ type: 'track', messageId: consentId(), userId, anonymousId: device, event: PREFERENCE_EVENT, timestamp: consentAt(33), properties: {}, context: { ...mobile, consent: { categoryPreferences: { marketing_push: true, marketing_sms: true } } } });
      events.push({ type: 'track', messageId: consentId(), userId, anonymousId: device, event: PREFERENCE_EVENT, timestamp: consentAt(3), properties: {}, context: { ...mobile, consent: { categoryPreferences: { marketing_sms: false } } } });
    } else if ((uses.app || uses.crm) && consentFaker.datatype.boolean(0.85)) {
      // Most known customers set their preferences once (the app's preference centre, or the account page).
      const preferences = {
        marketing_email: consentFaker.datatype.boolean(0.6),
        marketing_sms: consentFaker.datatype.boolean(0.3),
        ...(uses.app ? { marketing_push: consentFaker.datatype.boolean(token === undefined ? 0.2 : 0.7) } : {}),
        personalization: consentFaker.datatype.boolean(0.7),
        advertising: consentFaker.datatype.boolean(0.35),
      };
      const where = uses.app ? { anonymousId: device, context: { ...mobile, consent: { categoryPreferences: preferences } } } : { context: { channel: 'web', consent: { categoryPreferences: preferences, source: 'preference-center' } } };
      events.push({ type: 'track', messageId: consentId(), userId, event: PREFERENCE_EVENT, timestamp: consentAt(consentFaker.number.int({ min: 1, max: 200 })), properties: {}, ...where });
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
