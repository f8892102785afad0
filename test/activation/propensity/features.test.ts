/** Features at a cutoff see only the events before it; labels come from the window after it; the population is the customers. */
import { describe, expect, it } from 'vitest';
import { FEATURES, RECENCY_CAP_DAYS, featuresAt, labelAt, labelledSet } from '../../../lambda/activation/core/propensity/features';
import { SCORE_EVENT } from '../../../lambda/activation/contracts/events';
import { ORDER, day, ev, order, timeline } from './support/timelines';

const opts = { orderEvent: ORDER };
const feature = (row: number[] | undefined, name: (typeof FEATURES)[number]) => row?.[FEATURES.indexOf(name)];

const ana = timeline('ana', [
  { at: day(0), name: 'page', channel: 'web' },
  order(10, 100, 'web'),
  order(80, 50, 'store'),
  ev(85, 'Email Opened', 'email'),
  ev(88, 'Email Link Clicked', 'email'),
  ev(89, 'Product Viewed', 'mobile'),
  { at: day(90), name: 'Ticket Closed', channel: 'support', csat: 2 },
  { at: day(95), name: 'Ticket Closed', channel: 'support', csat: 4 },
  // c360's own events: not activity.
  ev(99, SCORE_EVENT, 'web'),
  ev(99.5, 'Email Sent', 'email'),
  // After the cutoff (day 100): ignored by the features.
  order(100, 999, 'web'),
  order(120, 999, 'web'),
  ev(130, 'Email Opened', 'email'),
]);

describe('features at a cutoff', () => {
  const row = featuresAt(ana, day(100), opts);

  it('computes recency, frequency, monetary and tenure from the events strictly before the cutoff', () => {
    expect(row).toHaveLength(FEATURES.length);
    expect(feature(row, 'days_since_last_order')).toBe(20);
    expect(feature(row, 'days_since_last_event')).toBe(5);
    expect(feature(row, 'orders_30d')).toBe(1);
    expect(feature(row, 'orders_90d')).toBe(2);
    expect(feature(row, 'orders_365d')).toBe(2);
    expect(feature(row, 'revenue_total')).toBe(150);
    expect(feature(row, 'revenue_365d')).toBe(150);
    expect(feature(row, 'avg_order_value_365d')).toBe(75);
    expect(feature(row, 'no_order_365d')).toBe(0);
    expect(feature(row, 'tenure_days')).toBe(100);
  });

  it('counts engagement, support and channels of the customer, not c360 own score and delivery events', () => {
    // page, 2 orders, opened, clicked, viewed, 2 tickets: 8 events; 6 within 30 days (from day 70).
    expect(feature(row, 'events_30d')).toBe(6);
    expect(feature(row, 'email_opened_30d')).toBe(1);
    expect(feature(row, 'email_clicked_30d')).toBe(1);
    expect(feature(row, 'product_viewed_30d')).toBe(1);
    expect(feature(row, 'csat_avg')).toBe(3);
    expect(feature(row, 'csat_missing')).toBe(0);
    expect(feature(row, 'tickets_365d')).toBe(2);
    // web: page + order; store: order; email: 2 (other); mobile: 1; support: 2. Of 8.
    expect(feature(row, 'channel_share_web')).toBe(2 / 8);
    expect(feature(row, 'channel_share_store')).toBe(1 / 8);
    expect(feature(row, 'channel_share_mobile')).toBe(1 / 8);
    expect(feature(row, 'channel_share_support')).toBe(2 / 8);
    expect(feature(row, 'channel_share_other')).toBe(2 / 8);
    expect(feature(row, 'channel_count')).toBe(5);
  });

  it('is the same whatever happens after the cutoff', () => {
    const cut = timeline('ana', ana.events.filter((e) => e.at < day(100)));
    expect(featuresAt(cut, day(100), opts)).toEqual(row);
    // An event exactly at the cutoff is after it.
    const atCutoff = timeline('ana', [...cut.events, order(100, 5000, 'web')]);
    expect(featuresAt(atCutoff, day(100), opts)).toEqual(row);
  });

  it('imputes what it cannot measure explicitly: missing csat is 0 with an indicator, no recent order gives an AOV of 0 with an indicator, recencies are capped', () => {
    const old = featuresAt(timeline('old', [order(0, 80)]), day(1000), opts);
    expect(feature(old, 'days_since_last_order')).toBe(RECENCY_CAP_DAYS);
    expect(feature(old, 'orders_365d')).toBe(0);
    expect(feature(old, 'avg_order_value_365d')).toBe(0);
    expect(feature(old, 'no_order_365d')).toBe(1);
    expect(feature(old, 'csat_avg')).toBe(0);
    expect(feature(old, 'csat_missing')).toBe(1);
    expect(feature(old, 'revenue_total')).toBe(80);
  });

  it('leaves profiles without an order before the cutoff out of the population', () => {
    expect(featuresAt(timeline('browser', [ev(1, 'Product Viewed')]), day(100), opts)).toBeUndefined();
    expect(featuresAt(timeline('later', [ev(1, 'page'), order(150)]), day(100), opts)).toBeUndefined();
    const set = labelledSet([ana, timeline('browser', [ev(1, 'Product Viewed')])], day(100), 'churn', 30, opts);
    expect(set.profileIds).toEqual(['ana']);
  });
});

describe('labels from the window after the cutoff', () => {
  const bo = timeline('bo', [order(10), order(40)]);
  it('churn is no order in (cutoff, cutoff + horizon]; repurchase is an order in it', () => {
    // Cutoff day 20, horizon 20: the order at day 40 is the window's last instant.
    expect(labelAt(bo, day(20), 'repurchase', 20, ORDER)).toBe(1);
    expect(labelAt(bo, day(20), 'churn', 20, ORDER)).toBe(0);
    // Horizon 19: day 40 is past the window.
    expect(labelAt(bo, day(20), 'repurchase', 19, ORDER)).toBe(0);
    expect(labelAt(bo, day(20), 'churn', 19, ORDER)).toBe(1);
    // An order at the cutoff itself is before the window.
    expect(labelAt(bo, day(40), 'repurchase', 30, ORDER)).toBe(0);
  });

  it('counts only the configured order event', () => {
    const t = timeline('cy', [order(1), ev(5, 'Product Added')]);
    expect(labelAt(t, day(2), 'repurchase', 30, ORDER)).toBe(0);
    expect(labelAt(t, day(2), 'repurchase', 30, 'Product Added')).toBe(1);
  });
});
