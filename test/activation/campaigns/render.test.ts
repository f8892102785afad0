import { describe, expect, it } from 'vitest';
import { renderTemplate, templateContext, type TemplateInput } from '../../../lambda/activation/core/campaigns';
import { customer } from './fixtures';

const base: TemplateInput = {
  view: customer('p1', { traits: { firstName: 'Ada' }, computed: { orderCount: 3 } }),
  campaignName: 'winBack',
  channel: 'email',
  trigger: { kind: 'segmentEntered', occurrence: '2026-11-30T10:00:00.000Z', segment: 'lapsedCustomers' },
  recommendations: [{ itemId: 'sku-1', score: 0.9 }],
  nowMs: Date.parse('2026-12-02T12:00:00.000Z'),
};

describe('campaign templates', () => {
  it('reads the profile, campaign, segment, recommendations, unsubscribe link and time', () => {
    const r = renderTemplate(
      { subject: '{{ campaign.name }}/{{ campaign.channel }} for {{ segment }}', html: '{{ profile.traits.firstName }} {{ profile.computed.orderCount }} {% for i in recommendations %}{{ i.itemId }}:{{ i.attributes.size }}{% endfor %} [{{ unsubscribeUrl }}] {{ now }}' },
      templateContext(base),
    );
    expect(r).toEqual({ ok: true, content: { subject: 'winBack/email for lapsedCustomers', html: 'Ada 3 sku-1:0 [] 2026-12-02T12:00:00.000Z' } });
  });

  it('gives templates no identifiers and no addresses', () => {
    const ctx = templateContext(base);
    expect(JSON.stringify(ctx)).not.toContain('p1@example.com');
    const r = renderTemplate({ text: '{{ profile.identifiers.email }}' }, ctx);
    expect(r).toMatchObject({ ok: false, part: 'text' });
  });

  it('fails a template reading the event of a message no event triggered', () => {
    const r = renderTemplate({ text: 'Order {{ event.properties.orderId }}' }, templateContext(base));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^text: .*event/);
    const withEvent = templateContext({ ...base, trigger: { kind: 'event', occurrence: 'm1', event: { name: 'Order Completed', properties: { orderId: 'o-7' } } } });
    expect(renderTemplate({ text: 'Order {{ event.properties.orderId }}' }, withEvent)).toEqual({ ok: true, content: { text: 'Order o-7' } });
  });

  it('escapes HTML only in the html part, and a default fills a missing value', () => {
    const ctx = templateContext({ ...base, view: customer('p1', { traits: { firstName: '<i>A</i>' } }) });
    expect(renderTemplate({ title: '{{ profile.traits.firstName }}', html: '{{ profile.traits.firstName }}', url: 'https://x.example/{{ profile.traits.nick | default: "n" }}' }, ctx)).toEqual({
      ok: true,
      content: { title: '<i>A</i>', html: '&lt;i&gt;A&lt;/i&gt;', url: 'https://x.example/n' },
    });
  });
});
