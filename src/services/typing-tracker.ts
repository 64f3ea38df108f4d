import type { TypingChange } from '../pubsub/events.js';

/** Where someone types: a room, or a direct conversation with one user. */
export type TypingScope = { roomId: number } | { toUserId: number };

/**
 * Who is typing where, and which changes to forward. The in-memory tracker serves one
 * instance; with several, each runs one over every instance's calls (ReplicatedTypingTracker),
 * since a user's setTyping calls may reach different instances.
 */
export interface TypingTracker {
  /** The user's latest state in a scope; forwarded changes go to the tracker's emitter. */
  set(userId: number, scope: TypingScope, typing: boolean): void;
  stop(): void;
}

export interface TypingTiming {
  /** How long `typing: true` lasts unless repeated (FEATURES.md: 6 s). */
  expiryMs: number;
  /** At most one forwarded change per this interval, per user and scope (FEATURES.md: 1 s). */
  intervalMs: number;
}

export type TypingEmitter = (change: TypingChange) => void;
