import type { TypingEmitter, TypingScope, TypingTiming, TypingTracker } from './typing-tracker.js';

interface TypingState {
  readonly userId: number;
  readonly scope: TypingScope;
  /** What the user last said (or expiry decided). */
  typing: boolean;
  /** What the audience was last told. */
  forwarded: boolean;
  forwardedAt: number;
  expiry: NodeJS.Timeout | undefined;
  /** Set while a forwarding window is open: what changes in it goes out at its end. */
  window: NodeJS.Timeout | undefined;
}

/**
 * Typing state of one instance, in memory, never stored. Only changes are forwarded, at most
 * one per interval; a change inside the interval goes out at its end, as the net state (a
 * true-false-true flicker inside one interval is no change). `true` expires on its own.
 */
export class MemoryTypingTracker implements TypingTracker {
  readonly #states = new Map<string, TypingState>();

  constructor(
    private readonly timing: TypingTiming,
    private readonly emit: TypingEmitter,
  ) {}

  set(userId: number, scope: TypingScope, typing: boolean): void {
    const key = `${userId}:${'roomId' in scope ? `r${scope.roomId}` : `u${scope.toUserId}`}`;
    let state = this.#states.get(key);
    if (!state) {
      if (!typing) return;
      state = {
        userId,
        scope,
        typing: false,
        forwarded: false,
        forwardedAt: Number.NEGATIVE_INFINITY,
        expiry: undefined,
        window: undefined,
      };
      this.#states.set(key, state);
    }
    clearTimeout(state.expiry);
    state.expiry = undefined;
    state.typing = typing;
    if (typing) {
      const current = state;
      // A repeat only pushes the expiry back.
      state.expiry = setTimeout(() => {
        current.expiry = undefined;
        current.typing = false;
        this.#settle(key, current);
      }, this.timing.expiryMs);
      state.expiry.unref();
    }
    this.#settle(key, state);
  }

  stop(): void {
    for (const state of this.#states.values()) {
      clearTimeout(state.expiry);
      clearTimeout(state.window);
    }
    this.#states.clear();
  }

  #settle(key: string, state: TypingState): void {
    if (state.typing === state.forwarded) {
      // Idle, and its last window is over: nothing left to remember.
      if (!state.typing && !state.window) this.#states.delete(key);
      return;
    }
    if (state.window) return;
    const wait = state.forwardedAt + this.timing.intervalMs - Date.now();
    if (wait > 0) {
      this.#openWindow(key, state, wait);
      return;
    }
    state.forwarded = state.typing;
    state.forwardedAt = Date.now();
    this.emit({
      userId: state.userId,
      roomId: 'roomId' in state.scope ? state.scope.roomId : null,
      toUserId: 'toUserId' in state.scope ? state.scope.toUserId : null,
      typing: state.typing,
    });
    this.#openWindow(key, state, this.timing.intervalMs);
  }

  #openWindow(key: string, state: TypingState, ms: number): void {
    state.window = setTimeout(() => {
      state.window = undefined;
      this.#settle(key, state);
    }, ms);
    state.window.unref();
  }
}
