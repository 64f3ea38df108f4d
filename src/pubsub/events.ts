import type { PresenceRow } from '../storage/database.js';
import type { StreamEntry } from '../storage/repositories/streams.js';

/**
 * What flows on a stream's topic: new entries, membership changes that end subscriptions,
 * and `resync` from a pub/sub that may have lost entries (Redis): readers catch up from storage.
 */
export type StreamEvent =
  | { type: 'entry'; entry: StreamEntry }
  | { type: 'removed'; userId: number }
  | { type: 'closed' }
  | { type: 'resync' };

export interface PresenceEvent {
  presence: PresenceRow;
  connectionCount: number;
}

/** A room was deleted: every subscription on it completes. */
export interface RoomDeletedEvent {
  roomId: number;
}

/** A read position that moved; each subscriber maps it to its own stream. */
export interface ReadReceiptEvent {
  readerId: number;
  roomId: number | null;
  /** For a conversation: the reader's partner, who receives it. */
  withUserId: number | null;
  /** The read entry's seq in the reader's stream (the room, or the reader's inbox). */
  seq: number;
  messageId: number;
  readAt: string;
}

/** A forwarded typing change: in a room, or to one user. */
export interface TypingChange {
  userId: number;
  roomId: number | null;
  toUserId: number | null;
  typing: boolean;
}

export interface Events extends Record<string, unknown> {
  /** Keyed by stream id. */
  stream: StreamEvent;
  /** Keyed by the room's id (`String(roomId)`), published after the deletion commits. */
  roomDeleted: RoomDeletedEvent;
  /** Keyed by '*': every change. */
  presence: PresenceEvent;
  /** Keyed by audienceKey(): a room's members, or one user. */
  readReceipt: ReadReceiptEvent;
  /** Keyed by audienceKey(): a room's members, or one user. */
  typing: TypingChange;
  /** Keyed by '*': a setTyping call as made, for every instance's tracker (several instances). */
  typingSet: TypingChange;
}

/** Who an ephemeral event is for: everyone following a room, or one user. */
export const audienceKey = (target: { roomId: number } | { userId: number }): string =>
  'roomId' in target ? `room:${target.roomId}` : `user:${target.userId}`;
