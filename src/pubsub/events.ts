import type { PresenceRow } from '../storage/database.js';
import type { StreamEntry } from '../storage/repositories/streams.js';

/** What flows on a stream's topic: new entries, and membership changes that end subscriptions. */
export type StreamEvent =
  | { type: 'entry'; entry: StreamEntry }
  | { type: 'removed'; userId: number }
  | { type: 'closed' };

export interface PresenceEvent {
  presence: PresenceRow;
  connectionCount: number;
}

/** A room was deleted: every subscription on it completes. */
export interface RoomDeletedEvent {
  roomId: number;
}

export interface Events extends Record<string, unknown> {
  /** Keyed by stream id. */
  stream: StreamEvent;
  /** Keyed by the room's id (`String(roomId)`), published after the deletion commits. */
  roomDeleted: RoomDeletedEvent;
  /** Keyed by '*': every change. */
  presence: PresenceEvent;
}
