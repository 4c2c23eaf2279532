import { randomUUID } from 'node:crypto';

type Json = Record<string, unknown>;

const USERS = 5_000;
const PRODUCTS = [
  ['Merino Wool Crew Sweater', 'Apparel', 89.0],
  ['Trail Running Shoes GTX', 'Footwear', 139.95],
  ['Insulated Steel Water Bottle 750ml', 'Outdoor', 24.5],
  ['Noise Cancelling Headphones', 'Electronics', 249.0],
  ['Organic Cotton T-Shirt', 'Apparel', 19.99],
  ['Ultralight Down Jacket', 'Apparel', 179.0],
  ['Ceramic Pour-Over Coffee Set', 'Kitchen', 42.0],
  ['Bamboo Cutting Board Large', 'Kitchen', 34.9],
] as const;
const PAGES = [
  ['Home', '/', 'Acme Outdoor – Gear for every trail'],
  ['Pricing', '/pricing', 'Pricing – Acme Outdoor'],
  ['Product', '/products/trail-running-shoes-gtx', 'Trail Running Shoes GTX – Acme Outdoor'],
  ['Search', '/search', 'Search results – Acme Outdoor'],
  ['Checkout', '/checkout/shipping', 'Checkout – Acme Outdoor'],
] as const;
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
] as const;
const LOCALES = [
  ['en-GB', 'Europe/London'],
  ['de-DE', 'Europe/Berlin'],
  ['fr-FR', 'Europe/Paris'],
  ['en-US', 'America/New_York'],
] as const;
const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Edsger', 'Barbara'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Dijkstra'];
const CITIES = [
  ['Berlin', 'DE', '10115'],
  ['London', 'GB', 'EC1A 1BB'],
  ['Lyon', 'FR', '69002'],
  ['Boston', 'US', '02108'],
] as const;

/**
 * Segment-spec calls as browser and server libraries send them (track with products, identify
 * with traits, page with context.page), about 600-900 bytes of JSON each, every one with its own
 * messageId. Seeded, so two runs send the same mix.
 */
export class SegmentEventFactory {
  private state: number;

  constructor(seed = 42) {
    this.state = seed >>> 0;
  }

  /** A `/v1/batch` body of `size` calls, as a Segment library would send it. */
  batchBody(size: number, sentAt = new Date()): Buffer {
    const batch = Array.from({ length: size }, () => this.call(sentAt));
    return Buffer.from(JSON.stringify({ batch, sentAt: sentAt.toISOString() }));
  }

  /** One call; the mix is 30 % page, 25 % Product Viewed, 20 % Order Completed, 25 % identify. */
  call(sentAt = new Date()): Json {
    const roll = this.random();
    if (roll < 0.3) return this.page(sentAt);
    if (roll < 0.55) return this.productViewed(sentAt);
    if (roll < 0.75) return this.orderCompleted(sentAt);
    return this.identify(sentAt);
  }

  private orderCompleted(sentAt: Date): Json {
    const items = Array.from({ length: 1 + this.int(2) }, () => ({
      ...this.product(),
      quantity: 1 + this.int(3),
    }));
    const subtotal = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
    return {
      ...this.envelope('track', sentAt, true),
      event: 'Order Completed',
      properties: {
        orderId: `ord_${this.hex(10)}`,
        total: round(subtotal + 4.95),
        revenue: round(subtotal / 1.19),
        shipping: 4.95,
        tax: round(subtotal - subtotal / 1.19),
        currency: 'EUR',
        products: items,
      },
      context: this.context(false),
    };
  }

  private productViewed(sentAt: Date): Json {
    return {
      ...this.envelope('track', sentAt, this.random() < 0.5),
      event: 'Product Viewed',
      properties: {
        ...this.product(),
        brand: 'Acme Outdoor',
        currency: 'EUR',
        position: 1 + this.int(24),
        url: 'https://shop.example.com/products/trail-running-shoes-gtx',
      },
      context: this.context(true),
    };
  }

  private identify(sentAt: Date): Json {
    const user = this.int(USERS);
    const first = this.pick(FIRST_NAMES);
    const last = this.pick(LAST_NAMES);
    const [city, country, postalCode] = this.pick(CITIES);
    return {
      ...this.envelope('identify', sentAt, true, user),
      traits: {
        email: `${first}.${last}.${user}@example.com`.toLowerCase(),
        firstName: first,
        lastName: last,
        plan: this.pick(['free', 'pro', 'enterprise']),
        createdAt: new Date(sentAt.getTime() - this.int(400) * 86_400_000).toISOString(),
        address: { street: `${1 + this.int(200)} Market Street`, city, postalCode, country },
        company: { name: `${last} GmbH`, industry: 'Retail', employees: 10 + this.int(5_000) },
        logins: 1 + this.int(300),
      },
      context: this.context(false),
    };
  }

  private page(sentAt: Date): Json {
    const [name, pagePath, title] = this.pick(PAGES);
    const url = `https://shop.example.com${pagePath}`;
    const referrer = 'https://www.google.com/';
    return {
      ...this.envelope('page', sentAt, this.random() < 0.4),
      name,
      properties: { path: pagePath, url, title, referrer },
      context: {
        ...this.context(true),
        page: { path: pagePath, url, title, referrer, search: '' },
        campaign: { source: 'newsletter', medium: 'email', name: 'spring_sale' },
      },
    };
  }

  private envelope(type: string, sentAt: Date, known: boolean, user = this.int(USERS)): Json {
    return {
      type,
      messageId: randomUUID(),
      anonymousId: `anon-${(user * 7919).toString(36)}-${user}`,
      ...(known ? { userId: `user_${user}` } : {}),
      timestamp: new Date(sentAt.getTime() - this.int(5_000)).toISOString(),
    };
  }

  private context(browser: boolean): Json {
    const [locale, timezone] = this.pick(LOCALES);
    return {
      ip: `203.0.113.${this.int(255)}`,
      userAgent: this.pick(USER_AGENTS),
      library: browser
        ? { name: 'analytics.js', version: 'next-1.70.0' }
        : { name: 'analytics-node', version: '2.1.2' },
      locale,
      timezone,
    };
  }

  private product() {
    const index = this.int(PRODUCTS.length);
    const [name, category, price] = PRODUCTS[index];
    return {
      product_id: `prod_${1000 + index}`,
      sku: `SKU-${4200 + index}`,
      name,
      category,
      price,
    };
  }

  private pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)];
  }

  private hex(length: number): string {
    return Array.from({ length }, () => this.int(16).toString(16)).join('');
  }

  private int(below: number): number {
    return Math.floor(this.random() * below);
  }

  /** mulberry32 */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
