import type { Generated, Insertable, Selectable } from 'kysely';

/** Kysely's view of the SQL schema in migrations/. Timestamps are ISO-8601 UTC strings. */
export interface Database {
  users: UsersTable;
  presence: PresenceTable;
  rooms: RoomsTable;
  memberships: MembershipsTable;
  streams: StreamsTable;
  messages: MessagesTable;
  stream_entries: StreamEntriesTable;
  delivery_positions: DeliveryPositionsTable;
  reactions: ReactionsTable;
  text_entries: TextEntriesTable;
  room_read_positions: RoomReadPositionsTable;
  conversations: ConversationsTable;
}

export interface UsersTable {
  id: Generated<number>;
  name: string;
  /** Lower-cased name: names are unique case-insensitively. */
  name_key: string;
  password_hash: string;
  created_at: string;
}

export interface PresenceTable {
  user_id: number;
  status: 'ONLINE' | 'AWAY' | 'OFFLINE';
  last_seen_at: string | null;
}

export interface RoomsTable {
  id: Generated<number>;
  name: string;
  is_private: number;
  max_members: number;
  member_count: number;
  created_at: string;
  created_by: number | null;
}

export interface MembershipsTable {
  room_id: number;
  user_id: number;
  role: 'OWNER' | 'MEMBER';
  joined_at: string;
}

/** One row per stream: its head, the last seq handed out. */
export interface StreamsTable {
  id: string;
  last_seq: number;
}

export type MessageChannel = 'ROOM' | 'DIRECT' | 'BROADCAST';
export type MessageKind = 'TEXT' | 'SYSTEM' | 'EDIT' | 'DELETE' | 'REACTION' | 'UNREACTION';

export interface MessagesTable {
  id: Generated<number>;
  channel: MessageChannel;
  kind: MessageKind;
  room_id: number | null;
  sender_id: number | null;
  recipient_id: number | null;
  content: string;
  client_id: string | null;
  created_at: string;
  /** EDIT, DELETE, REACTION, UNREACTION: the message acted on. */
  target_id: number | null;
  reply_to_id: number | null;
  edited_at: string | null;
  deleted_at: string | null;
}

/** A message's place in a stream: a direct message has one entry per inbox. */
export interface StreamEntriesTable {
  stream_id: string;
  seq: number;
  message_id: number;
  /** In an inbox: the other party of the conversation (oneself for a note to self). */
  peer_id: number | null;
  created_at: string;
}

/** How far each user has been delivered in each stream, written in batches. */
export interface DeliveryPositionsTable {
  user_id: number;
  stream_id: string;
  seq: number;
}

/** A user's emoji on a message: the current state its REACTION/UNREACTION entries led to. */
export interface ReactionsTable {
  message_id: number;
  user_id: number;
  emoji: string;
  /** The REACTION entry that added it (null once retention pruned that entry). */
  entry_id: number | null;
  created_at: string;
}

/** TEXT entries with prefix counts, kept by triggers: unread counts without a scan. */
export interface TextEntriesTable {
  stream_id: string;
  seq: number;
  message_id: number;
  sender_id: number | null;
  peer_id: number | null;
  /** TEXT entries in the stream up to and including this one. */
  text_rank: number;
  /** This sender's TEXT entries in the stream up to and including this one. */
  sender_rank: number;
  deleted: number;
}

export interface RoomReadPositionsTable {
  room_id: number;
  user_id: number;
  /** The room seq of the last entry the member has read. */
  seq: number;
  read_at: string;
}

/** Per inbox and peer: the latest entry (kept by a trigger) and the owner's read position. */
export interface ConversationsTable {
  stream_id: string;
  peer_id: number;
  last_seq: number;
  read_seq: Generated<number>;
  read_at: string | null;
}

export type UserRow = Selectable<UsersTable>;
export type RoomRow = Selectable<RoomsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type PresenceRow = Selectable<PresenceTable>;
