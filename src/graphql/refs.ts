import type { PresenceView } from '../services/presence.js';
import type { RoomRow, UserRow } from '../storage/database.js';
import type { StreamEntry } from '../storage/repositories/streams.js';
import { builder } from './builder.js';

// Refs are declared apart from their modules so that modules can point at each other.
export const UserRef = builder.objectRef<UserRow>('User');
export const PresenceRef = builder.objectRef<PresenceView>('Presence');
export const RoomRef = builder.objectRef<RoomRow>('Room');
/** A message as seen on one stream: its seq and cursor are that stream's. */
export const MessageRef = builder.objectRef<StreamEntry>('Message');

export const PresenceStatusEnum = builder.enumType('PresenceStatus', {
  values: ['ONLINE', 'AWAY', 'OFFLINE'] as const,
});

export interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export const PageInfoRef = builder.objectRef<PageInfoShape>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage'),
    startCursor: t.exposeString('startCursor', { nullable: true }),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});
