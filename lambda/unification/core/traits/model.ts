/** The shapes the computed-trait modules share: what the fold reads from an event, a value, an op's state and a compiled trait. */

/** Bucket sizes of hour and day windows (a day is also the unit of daysSince). */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * What the fold reads from an event. UnifyEvent satisfies it structurally;
 * `properties` are the track/page/screen properties.
 */
export interface AggregateEvent {
  readonly messageId: string;
  readonly type: string;
  /** Track event name, or page/screen name. */
  readonly name?: string;
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly channel?: string;
  /** Revenue in ten-thousandths (an integer). */
  readonly revenue?: number;
  readonly properties?: Readonly<Record<string, unknown>>;
}

export type AggregateValue = number | string | null;

export type Cell = unknown;
export type Reader = (e: AggregateEvent) => unknown;

/** How one op keeps, combines and reads its state ("cell"; one per bucket when windowed). */
export interface Kind {
  /** Shallow shape check of a stored cell (the fingerprint already matched). */
  isCell(c: unknown): boolean;
  /** A copy the fold may mutate. */
  clone(c: Cell): Cell;
  /** Adds one value to a cell the caller owns (or to nothing); returns the cell. */
  add(c: Cell | undefined, v: unknown, e: AggregateEvent): Cell;
  /** Merges b into a, which the caller owns; keeps at most `cap` values. */
  mergeInto(a: Cell, b: Cell, cap: number): Cell;
  /** The evaluated value of a cell, or of nothing. */
  value(c: Cell | undefined, nowMs: number): AggregateValue;
  /** Epoch ms of the cell's time, for daysSince: the next change. */
  time?(c: Cell): number;
}

export interface CompiledTrait {
  readonly name: string;
  readonly fp: string;
  readonly matches: (e: AggregateEvent) => boolean;
  /** The value to aggregate; undefined skips the event. */
  readonly read: Reader;
  readonly kind: Kind;
  /** How the state is kept: one cell; one cell per bucket; each value's latest bucket (windowed distinct). */
  readonly layout: 'plain' | 'buckets' | 'latest';
  /** 0 when not windowed. */
  readonly windowMs: number;
  readonly bucketMs: number;
  /** Values kept per cell (distinct, mode). */
  readonly cap: number;
  readonly daysSince: boolean;
}

/**
 * The counters every profile keeps whatever the config (Profile.computed):
 * times epoch ms, null on a profile with no events; revenue in
 * ten-thousandths.
 */
export interface BuiltInCounters {
  readonly eventCount: number;
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
  readonly orderCount: number;
  readonly revenue: number;
}

/** A trait whose definition means the same as one of the built-in counters: its cell is read from them, not stored. */
export interface ServedTrait {
  readonly name: string;
  readonly kind: Kind;
  readonly cell: (c: BuiltInCounters) => Cell | undefined;
}

/** Definitions compiled once (at cold start) for the hot path. */
export interface CompiledComputedTraits {
  /** The traits with their own stored state (Profile.aggregates), folded from events. */
  readonly traits: readonly CompiledTrait[];
  /** Names of `traits`: a stored state under another name is stale. */
  readonly names: ReadonlySet<string>;
  /** The traits read from the built-in counters. */
  readonly served: readonly ServedTrait[];
}
