/**
 * The local runtime's segment event bus: every change becomes one JSON line
 * in a file, shaped like the EventBridge event a rule target would receive
 * ({ source, detail-type, time, detail }), and is handed to in-process
 * subscribers (tests, local activation). Writes are appended in publish
 * order; subscribers are told after the lines are written.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SEGMENT_EVENT_SOURCE, segmentDetailType, type SegmentDetailType } from '../core/segments/segment-changes';
import type { SegmentChange, SegmentEventPublisher } from '../ports';

/** A segment event as delivered: the EventBridge envelope's fields that matter here. */
export interface SegmentEventEnvelope {
  readonly source: typeof SEGMENT_EVENT_SOURCE;
  readonly 'detail-type': SegmentDetailType;
  readonly time: string;
  readonly detail: SegmentChange;
}

export function toEnvelope(change: SegmentChange): SegmentEventEnvelope {
  return { source: SEGMENT_EVENT_SOURCE, 'detail-type': segmentDetailType(change), time: change.at, detail: change };
}

export type SegmentEventListener = (event: SegmentEventEnvelope) => void | Promise<void>;

export interface LocalBusOptions {
  /** Told of a subscriber that threw (default: console.error); a subscriber never fails a publish, as with EventBridge targets. */
  readonly onSubscriberError?: (err: unknown, event: SegmentEventEnvelope) => void;
}

export class LocalBus implements SegmentEventPublisher {
  private readonly listeners = new Set<SegmentEventListener>();
  /** Serialises appends, so lines keep publish order across concurrent calls. */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly onSubscriberError: (err: unknown, event: SegmentEventEnvelope) => void;

  constructor(
    readonly path: string,
    opts: LocalBusOptions = {},
  ) {
    this.onSubscriberError = opts.onSubscriberError ?? ((err, event) => console.error('segment event subscriber failed', event, err));
  }

  /** Calls `fn` for every event published from now on; returns the unsubscribe function. */
  subscribe(fn: SegmentEventListener): () => void {
    // A wrapper, so the same function subscribed twice is two subscriptions.
    const listener: SegmentEventListener = (event) => fn(event);
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async publish(changes: readonly SegmentChange[]): Promise<void> {
    if (changes.length === 0) return;
    const events = changes.map(toEnvelope);
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    const write = this.tail.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, text, 'utf8');
    });
    this.tail = write.catch(() => undefined);
    await write;
    for (const event of events) {
      for (const listener of [...this.listeners]) this.notify(listener, event);
    }
  }

  private notify(listener: SegmentEventListener, event: SegmentEventEnvelope): void {
    try {
      const result = listener(event);
      if (result instanceof Promise) result.catch((err: unknown) => this.onSubscriberError(err, event));
    } catch (err) {
      this.onSubscriberError(err, event);
    }
  }
}
