import type { Events } from '../pubsub/events.js';
import { LiveQueue } from '../pubsub/live-queue.js';
import type { PubSub } from '../pubsub/pubsub.js';
import { cancellable } from './stream-reader.js';
import { roomStream } from './streams.js';

/** Ephemeral events held per subscriber before the oldest are dropped: they are never replayed. */
const FEED_CAPACITY = 1000;

/** What a feed yields for an event: a view, nothing (skip it), or the end of the feed. */
export type FeedStep<V> = { view: V } | 'skip' | 'end';

/**
 * A live-only subscription (no storage behind it): events from `listen`, each turned into
 * what the viewer sees by `step`, until `step` says end or `endWhen` fires.
 */
export function liveFeed<E, V>(
  listen: (push: (event: E) => void) => () => void,
  step: (event: E) => Promise<FeedStep<V>>,
  endWhen?: (end: () => void) => () => void,
): AsyncIterableIterator<V> {
  const queue = new LiveQueue<E>(FEED_CAPACITY);
  const unlisten = listen((event) => queue.push(event));
  const unwatch = endWhen?.(() => queue.close());
  const stop = () => {
    unlisten();
    unwatch?.();
    queue.close();
  };
  async function* run(): AsyncGenerator<V> {
    try {
      for (;;) {
        const next = await queue.next();
        if (next.kind === 'closed') return;
        if (next.kind === 'lagged') continue;
        const result = await step(next.item);
        if (result === 'end') return;
        if (result !== 'skip') yield result.view;
      }
    } finally {
      stop();
    }
  }
  return cancellable(run(), stop);
}

/**
 * Ends a member's feed on a room when they are removed from it (a private room's leave) or
 * the room is closed, like roomMessages.
 */
export function whileInRoom(
  pubsub: PubSub<Events>,
  roomId: number,
  userId: number,
): (end: () => void) => () => void {
  return (end) =>
    pubsub.subscribe('stream', roomStream(roomId), (event) => {
      if (event.type === 'closed' || (event.type === 'removed' && event.userId === userId)) end();
    });
}
