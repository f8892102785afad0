import { describe, expect, it } from 'vitest';
import { capWindowStart, customerTimeZone, localClock, localDay, quietHoursEnd, zonedInstant } from '../../../lambda/activation/core/campaigns/time';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('the customer local calendar', () => {
  it('gives the local day and clock in the customer time zone, not UTC', () => {
    const t = at('2026-12-02T06:00:00.000Z');
    expect(localDay(t, 'UTC')).toBe('2026-12-02');
    expect(localDay(t, 'America/Los_Angeles')).toBe('2026-12-01');
    expect(localClock(t, 'America/Los_Angeles')).toBe(22 * 60);
    expect(localDay(t, 'Asia/Tokyo')).toBe('2026-12-02');
    expect(localClock(t, 'Asia/Kolkata')).toBe(11 * 60 + 30);
  });

  it('starts the cap window days - 1 local days before the local today', () => {
    const t = at('2026-12-02T06:00:00.000Z');
    expect(capWindowStart(t, 'America/Los_Angeles', 2)).toBe('2026-11-30');
    expect(capWindowStart(t, 'UTC', 2)).toBe('2026-12-01');
    expect(capWindowStart(t, 'UTC', 1)).toBe('2026-12-02');
    expect(capWindowStart(at('2026-03-02T12:00:00.000Z'), 'UTC', 7)).toBe('2026-02-24');
  });

  it('falls back to the default zone when the trait is not an IANA zone, and says so without echoing it', () => {
    expect(customerTimeZone({ timezone: 'Europe/Paris' }, 'timezone', 'UTC')).toEqual({ timeZone: 'Europe/Paris' });
    expect(customerTimeZone({}, 'timezone', 'UTC')).toEqual({ timeZone: 'UTC' });
    const bad = customerTimeZone({ timezone: 'Mars/Olympus' }, 'timezone', 'Europe/Berlin');
    expect(bad.timeZone).toBe('Europe/Berlin');
    expect(bad.note).toMatch(/not an IANA time zone; using Europe\/Berlin/);
    expect(bad.note).not.toContain('Mars');
  });
});

describe('quiet hours', () => {
  const night = { start: '21:00', end: '08:00' };

  it('defers a time inside a window that wraps midnight to the window end on the next local morning', () => {
    // 23:00 in Paris (CET, UTC+1) → 08:00 the next day = 07:00Z.
    expect(iso(quietHoursEnd(at('2026-12-02T22:00:00.000Z'), 'Europe/Paris', night))).toBe('2026-12-03T07:00:00.000Z');
    // 06:30 in Paris → 08:00 the same day.
    expect(iso(quietHoursEnd(at('2026-12-03T05:30:00.000Z'), 'Europe/Paris', night))).toBe('2026-12-03T07:00:00.000Z');
  });

  it('lets a time outside the window through, start inclusive and end exclusive', () => {
    expect(quietHoursEnd(at('2026-12-02T12:00:00.000Z'), 'Europe/Paris', night)).toBeUndefined();
    expect(quietHoursEnd(at('2026-12-02T07:00:00.000Z'), 'Europe/Paris', night)).toBeUndefined(); // 08:00 local
    expect(quietHoursEnd(at('2026-12-02T20:00:00.000Z'), 'Europe/Paris', night)).toBeDefined(); // 21:00 local
    expect(quietHoursEnd(at('2026-12-02T12:00:00.000Z'), 'UTC', { start: '10:00', end: '14:00' })).toBe(at('2026-12-02T14:00:00.000Z'));
    expect(quietHoursEnd(at('2026-12-02T12:00:00.000Z'), 'UTC', { start: '10:00', end: '10:00' })).toBeUndefined();
  });

  it('ends at the local end time across a spring-forward night (the offset changes inside the window)', () => {
    // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT. 23:00 EST on the 7th → 08:00 EDT on the 8th = 12:00Z (not 13:00Z).
    expect(iso(quietHoursEnd(at('2026-03-08T04:00:00.000Z'), 'America/New_York', night))).toBe('2026-03-08T12:00:00.000Z');
  });

  it('ends at the local end time across a fall-back night', () => {
    // New York, 2026-11-01: 02:00 EDT becomes 01:00 EST. 23:00 EDT on Oct 31 → 08:00 EST = 13:00Z.
    expect(iso(quietHoursEnd(at('2026-11-01T03:00:00.000Z'), 'America/New_York', night))).toBe('2026-11-01T13:00:00.000Z');
  });

  it('reads a local end time the clock skips as the same wall time past the jump', () => {
    // 02:30 does not exist in New York on 2026-03-08: it is read as 03:30 EDT = 07:30Z.
    expect(iso(zonedInstant(2026, 3, 8, 2 * 60 + 30, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 exists twice on 2026-11-01: the first (EDT) is taken.
    expect(iso(zonedInstant(2026, 11, 1, 90, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });
});
