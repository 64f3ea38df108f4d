import type { Events, ReadReceiptEvent } from '../pubsub/events.js';
import { audienceKey } from '../pubsub/events.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { UserRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import {
  advanceConversationRead,
  advanceRoomReadPosition,
  conversation,
  conversationsOf,
  countConversationUnread,
  countRoomUnread,
  entryAt,
  lastTextEntry,
  roomReaders,
  roomReadPosition,
} from '../storage/repositories/read-state.js';
import { isMember } from '../storage/repositories/rooms.js';
import { entryOfMessage, type StreamEntry } from '../storage/repositories/streams.js';
import type { DeliveryPositions } from './delivery-positions.js';
import { badInput, DomainError, notFound } from './errors.js';
import { type FeedStep, liveFeed, whileInRoom } from './live-feed.js';
import { type ChatTarget, memberRoom } from './read-target.js';
import type { RoomService } from './rooms.js';
import { inboxStream, roomStream, seqOfCursor } from './streams.js';
import type { UserDirectory } from './users.js';
import { now, type Viewer } from './viewer.js';

export type DeliveryState = 'SENT' | 'DELIVERED' | 'READ';

/** A read position as one viewer sees it: the entry is in the viewer's own stream. */
export interface ReadReceiptView {
  readerId: number;
  roomId: number | null;
  /** For a conversation: the reader's partner. */
  withUserId: number | null;
  entry: StreamEntry;
  readAt: string;
}

/** One direct conversation of the viewer; its fields are read when asked for. */
export interface ConversationView {
  ownerId: number;
  peerId: number;
  readSeq: number;
}

const expired = () =>
  new DomainError('CURSOR_EXPIRED', 'the message at upTo is no longer retained; fetch history');

/**
 * Read positions (markRead, forward only, stored), the receipts they emit, and what is
 * derived from them: unread counts, readBy, delivery states and the conversation list.
 */
export class ReadStateService {
  constructor(
    private readonly db: Db,
    private readonly pubsub: PubSub<Events>,
    private readonly rooms: RoomService,
    private readonly positions: DeliveryPositions,
    private readonly users: UserDirectory,
  ) {}

  markRead(viewer: Viewer, target: ChatTarget, upTo: string): Promise<ReadReceiptView> {
    return target.kind === 'room'
      ? this.#markRoomRead(viewer, target.roomId, upTo)
      : this.#markConversationRead(viewer, target.userId, upTo);
  }

  async #markRoomRead(viewer: Viewer, roomId: string, upTo: string): Promise<ReadReceiptView> {
    const room = await this.#memberRoom(viewer, roomId);
    const streamId = roomStream(room.id);
    const seq = await seqOfCursor(this.db, streamId, upTo, 'upTo');
    const entry = await entryAt(this.db, streamId, seq);
    if (!entry) throw expired();
    const readAt = now();
    const view = { readerId: viewer.id, roomId: room.id, withUserId: null };
    if (await advanceRoomReadPosition(this.db, room.id, viewer.id, seq, readAt)) {
      this.#publish(audienceKey({ roomId: room.id }), {
        ...view,
        seq,
        messageId: entry.message.id,
        readAt,
      });
      return { ...view, entry, readAt };
    }
    // An older cursor changes nothing: the answer is the position as it stands.
    const current = await roomReadPosition(this.db, room.id, viewer.id);
    const shown = current ? await entryAt(this.db, streamId, current.seq) : undefined;
    return { ...view, entry: shown ?? entry, readAt: current?.readAt ?? readAt };
  }

  async #markConversationRead(
    viewer: Viewer,
    userId: string,
    upTo: string,
  ): Promise<ReadReceiptView> {
    const peer = await this.#user(userId);
    const inbox = inboxStream(viewer.id);
    const seq = await seqOfCursor(this.db, inbox, upTo, 'upTo');
    const entry = await entryAt(this.db, inbox, seq, peer.id);
    if (!entry) {
      if (await entryAt(this.db, inbox, seq)) {
        throw badInput('upTo is not a cursor of this conversation', 'upTo');
      }
      throw expired();
    }
    const readAt = now();
    const view = { readerId: viewer.id, roomId: null, withUserId: peer.id };
    if (await advanceConversationRead(this.db, inbox, peer.id, seq, readAt)) {
      this.#publish(audienceKey({ userId: peer.id }), {
        ...view,
        seq,
        messageId: entry.message.id,
        readAt,
      });
      return { ...view, entry, readAt };
    }
    const current = await conversation(this.db, inbox, peer.id);
    const shown = current ? await entryAt(this.db, inbox, current.readSeq) : undefined;
    return { ...view, entry: shown ?? entry, readAt: current?.readAt ?? readAt };
  }

  #publish(key: string, event: ReadReceiptEvent): void {
    this.pubsub.publish('readReceipt', key, event);
  }

  /** Receipts of a room's members (the viewer's own included, for their other devices), or of one partner. */
  async subscribeReceipts(
    viewer: Viewer,
    target: ChatTarget,
  ): Promise<AsyncIterableIterator<ReadReceiptView>> {
    if (target.kind === 'room') {
      const room = await this.#memberRoom(viewer, target.roomId);
      const streamId = roomStream(room.id);
      return liveFeed<ReadReceiptEvent, ReadReceiptView>(
        (push) => this.pubsub.subscribe('readReceipt', audienceKey({ roomId: room.id }), push),
        async (event) => {
          if (!(await isMember(this.db, room.id, viewer.id))) return 'end';
          return this.#receiptStep(event, await entryAt(this.db, streamId, event.seq));
        },
        whileInRoom(this.pubsub, room.id, viewer.id),
      );
    }
    const peer = await this.#user(target.userId);
    const inbox = inboxStream(viewer.id);
    return liveFeed<ReadReceiptEvent, ReadReceiptView>(
      (push) => this.pubsub.subscribe('readReceipt', audienceKey({ userId: viewer.id }), push),
      async (event) =>
        event.readerId !== peer.id
          ? 'skip'
          : this.#receiptStep(event, await entryOfMessage(this.db, inbox, event.messageId)),
    );
  }

  #receiptStep(event: ReadReceiptEvent, entry: StreamEntry | undefined): FeedStep<ReadReceiptView> {
    if (!entry) return 'skip';
    const { readerId, roomId, withUserId, readAt } = event;
    return { view: { readerId, roomId, withUserId, entry, readAt } };
  }

  /** TEXT messages after the viewer's read position, not their own, not deleted; 0 for non-members. */
  async roomUnreadCount(viewer: Viewer, roomId: number): Promise<number> {
    if (!(await isMember(this.db, roomId, viewer.id))) return 0;
    return this.unreadInRoom(roomId, viewer.id);
  }

  /** The unread count of a member, with no visibility check: for the benchmark. */
  unreadInRoom(roomId: number, userId: number): Promise<number> {
    return countRoomUnread(this.db, roomId, roomStream(roomId), userId);
  }

  async roomLastMessage(roomId: number): Promise<StreamEntry | null> {
    return (await lastTextEntry(this.db, roomStream(roomId))) ?? null;
  }

  /** Current members (or the recipient) other than the sender whose read position reached it. */
  async readBy(entry: StreamEntry): Promise<UserRow[]> {
    const { message } = entry;
    if (message.channel === 'ROOM' && message.room_id !== null) {
      return roomReaders(this.db, message.room_id, entry.seq, message.sender_id);
    }
    if (message.channel !== 'DIRECT') return [];
    const { sender_id: senderId, recipient_id: recipientId } = message;
    if (senderId === null || recipientId === null || senderId === recipientId) return [];
    if (!(await this.#readByRecipient(entry, senderId, recipientId))) return [];
    const recipient = await this.users.byId(recipientId);
    return recipient ? [recipient] : [];
  }

  /** Set only on TEXT direct messages the viewer sent. */
  async deliveryState(viewer: Viewer, entry: StreamEntry): Promise<DeliveryState | null> {
    const { message } = entry;
    if (message.channel !== 'DIRECT' || message.kind !== 'TEXT') return null;
    if (message.sender_id !== viewer.id) return null;
    const recipientId = message.recipient_id;
    if (recipientId === null) return 'SENT';
    const seq = await this.#recipientSeq(entry, recipientId);
    if (seq === undefined) return 'SENT';
    if (await this.#readByRecipient(entry, viewer.id, recipientId, seq)) return 'READ';
    const delivered = await this.positions.position(recipientId, inboxStream(recipientId));
    return delivered !== undefined && delivered >= seq ? 'DELIVERED' : 'SENT';
  }

  async conversations(viewer: Viewer): Promise<ConversationView[]> {
    const rows = await conversationsOf(this.db, inboxStream(viewer.id));
    return rows.map((row) => ({
      ownerId: viewer.id,
      peerId: row.peerId,
      readSeq: row.readSeq,
    }));
  }

  async conversationLastMessage(view: ConversationView): Promise<StreamEntry | null> {
    return (await lastTextEntry(this.db, inboxStream(view.ownerId), view.peerId)) ?? null;
  }

  conversationUnreadCount(view: ConversationView): Promise<number> {
    return countConversationUnread(
      this.db,
      inboxStream(view.ownerId),
      view.ownerId,
      view.peerId,
      view.readSeq,
    );
  }

  async #readByRecipient(
    entry: StreamEntry,
    senderId: number,
    recipientId: number,
    knownSeq?: number,
  ): Promise<boolean> {
    const seq = knownSeq ?? (await this.#recipientSeq(entry, recipientId));
    if (seq === undefined) return false;
    const read = await conversation(this.db, inboxStream(recipientId), senderId);
    return read !== undefined && read.readSeq >= seq;
  }

  /** The message's seq in the recipient's inbox. */
  async #recipientSeq(entry: StreamEntry, recipientId: number): Promise<number | undefined> {
    const inbox = inboxStream(recipientId);
    if (entry.streamId === inbox) return entry.seq;
    return (await entryOfMessage(this.db, inbox, entry.message.id))?.seq;
  }

  #memberRoom(viewer: Viewer, roomId: string) {
    return memberRoom(this.rooms, viewer, roomId, 'read state');
  }

  async #user(userId: string): Promise<UserRow> {
    const user = await this.users.byExternalId(userId);
    if (!user) throw notFound('user');
    return user;
  }
}
