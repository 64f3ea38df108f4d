import type { Events } from '../pubsub/events.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { TypingScope, TypingTracker } from './typing-tracker.js';

/**
 * Typing across instances: a user's setTyping calls may reach any instance, so each call is
 * broadcast and every instance runs its own tracker over all of them. A tracker's output
 * must then stay on its instance (a local-only `typing` topic): each follower hears each
 * forwarded change once, from the instance it is connected to, paced and expired there.
 */
export class ReplicatedTypingTracker implements TypingTracker {
  readonly #off: () => void;

  constructor(
    private readonly pubsub: PubSub<Events>,
    private readonly local: TypingTracker,
  ) {
    this.#off = pubsub.subscribe('typingSet', '*', ({ userId, roomId, toUserId, typing }) => {
      const scope: TypingScope | undefined =
        roomId !== null ? { roomId } : toUserId !== null ? { toUserId } : undefined;
      if (scope) local.set(userId, scope, typing);
    });
  }

  set(userId: number, scope: TypingScope, typing: boolean): void {
    this.pubsub.publish('typingSet', '*', {
      userId,
      roomId: 'roomId' in scope ? scope.roomId : null,
      toUserId: 'toUserId' in scope ? scope.toUserId : null,
      typing,
    });
  }

  stop(): void {
    this.#off();
    this.local.stop();
  }
}
