import { describe, expect, it } from 'vitest';
import { buildModel, popularItems, recommendForProfile, similarItems, type BuildOptions } from '../../../lambda/activation/core/recommend/co-occurrence';
import { interaction, NOW } from './support';

const options: BuildOptions = { nowMs: NOW, lookbackDays: 365, maxPerProfile: 200, neighbours: 50 };

/** Tents go with sleeping bags; coffee with mugs; `hit` is bought by everyone. */
const history = [
  ...['a', 'b', 'c', 'd'].flatMap((p) => [interaction(p, 'tent'), interaction(p, 'sleeping-bag')]),
  ...['e', 'f', 'g'].flatMap((p) => [interaction(p, 'coffee'), interaction(p, 'mug')]),
  ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((p) => interaction(p, 'hit', 'View')),
];

describe('the built-in co-occurrence recommender', () => {
  it('recommends what profiles who bought the same items also bought', () => {
    const model = buildModel(history, options);
    const answer = recommendForProfile(model, [interaction('new', 'tent', 'Purchase')], { n: 2, nowMs: NOW });
    expect(answer.source).toBe('co-occurrence');
    expect(answer.items[0]?.itemId).toBe('sleeping-bag');
  });

  it('leaves out what the profile already purchased, but not what it only viewed', () => {
    const model = buildModel(history, options);
    const bought = recommendForProfile(model, [interaction('x', 'tent'), interaction('x', 'sleeping-bag')], { n: 5, nowMs: NOW }).items.map((i) => i.itemId);
    expect(bought).not.toContain('tent');
    expect(bought).not.toContain('sleeping-bag');
    const viewed = recommendForProfile(model, [interaction('x', 'tent', 'View'), interaction('x', 'sleeping-bag', 'View')], { n: 5, nowMs: NOW }).items.map((i) => i.itemId);
    expect(viewed).toContain('tent');
  });

  it('fills with popular items when the neighbours give fewer than asked, with scores still decreasing', () => {
    const model = buildModel(history, options);
    const answer = recommendForProfile(model, [interaction('x', 'coffee')], { n: 4, nowMs: NOW });
    expect(answer.source).toBe('co-occurrence');
    expect(answer.items.map((i) => i.itemId)).toEqual(['mug', 'hit', 'sleeping-bag', 'tent']);
    const scores = answer.items.map((i) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('answers a profile with no interactions (cold start) with the most popular items', () => {
    const model = buildModel(history, options);
    const answer = recommendForProfile(model, [], { n: 3, nowMs: NOW });
    expect(answer.source).toBe('popularity');
    // hit: 8 profiles × View (1); tent, sleeping-bag: 4 × Purchase (3) = 12; coffee, mug: 3 × 3 = 9.
    expect(answer.items.map((i) => i.itemId)).toEqual(['sleeping-bag', 'tent', 'coffee']);
    expect(answer.items[0]?.score).toBe(1);
  });

  it('weights a purchase above a cart add above a view in popularity', () => {
    const model = buildModel([interaction('p', 'viewed', 'View'), interaction('q', 'carted', 'AddToCart'), interaction('r', 'bought', 'Purchase')], options);
    expect(popularItems(model, 3).map((i) => i.itemId)).toEqual(['bought', 'carted', 'viewed']);
  });

  it('counts a profile once per item, however often it interacted with it', () => {
    const model = buildModel([...Array.from({ length: 10 }, (_, d) => interaction('fan', 'one', 'View', d)), interaction('p', 'two', 'View'), interaction('q', 'two', 'View')], options);
    expect(popularItems(model, 2).map((i) => i.itemId)).toEqual(['two', 'one']);
  });

  it('leaves out interactions older than the look-back, and keeps only the most recent per profile', () => {
    const model = buildModel([interaction('p', 'old', 'Purchase', 400), interaction('p', 'new', 'Purchase', 1)], options);
    expect(model.neighbours).toEqual({});
    expect(popularItems(model, 5).map((i) => i.itemId)).toEqual(['new']);
    const capped = buildModel(Array.from({ length: 20 }, (_, d) => interaction('p', `i${d}`, 'View', d)), { ...options, maxPerProfile: 10 });
    expect(capped.counts).toMatchObject({ interactions: 10, items: 10, profiles: 1 });
  });

  it('weights recent interactions above old ones', () => {
    const model = buildModel(history, options);
    const answer = recommendForProfile(model, [interaction('x', 'coffee', 'View', 200), interaction('x', 'tent', 'View', 1)], { n: 1, nowMs: NOW, exclude: 'seen' });
    expect(answer.items[0]?.itemId).toBe('sleeping-bag');
  });

  it('answers similar items from the neighbours, and popular items for an unknown item', () => {
    const model = buildModel(history, options);
    const similar = similarItems(model, 'coffee', 1);
    expect(similar).toMatchObject({ source: 'co-occurrence', known: true, items: [{ itemId: 'mug' }] });
    const unknown = similarItems(model, 'never-seen', 2);
    expect(unknown).toMatchObject({ source: 'popularity', known: false });
    expect(unknown.items.map((i) => i.itemId)).toEqual(['sleeping-bag', 'tent']);
  });

  it('shrinks the similarity of pairs few profiles share', () => {
    // rare-a and rare-b: one profile has both; x and y: five profiles each have both (plus noise).
    const data = [interaction('r', 'rare-a'), interaction('r', 'rare-b'), ...['1', '2', '3', '4', '5'].flatMap((p) => [interaction(p, 'x'), interaction(p, 'y'), interaction(p, `noise-${p}`)])];
    const model = buildModel(data, options);
    const rare = model.neighbours['rare-a']?.[0]?.[1] as number;
    const common = model.neighbours.x?.[0];
    expect(common?.[0]).toBe('y');
    expect(common?.[1] as number).toBeGreaterThan(rare);
  });

  it('holds no profile id: only item statistics', () => {
    const model = buildModel(history, options);
    const text = JSON.stringify(model);
    for (const profile of ['"a"', '"b"', '"e"', '"h"']) expect(text).not.toContain(profile);
    expect(model.counts).toEqual({ interactions: 22, profiles: 8, items: 5, pairs: 6 });
    expect(model.builtAt).toBe(new Date(NOW).toISOString());
  });

  it('builds the same model whatever the order of the interactions', () => {
    const a = buildModel(history, options);
    const b = buildModel([...history].reverse(), options);
    expect(b).toEqual(a);
  });
});
