import type { Events } from '../pubsub/events.js';
import type { LiveBudget } from '../pubsub/live-budget.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { MessageRow, NewMessage } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import { isUniqueViolation } from '../storage/errors.js';
import { findByClientId, insertMessage } from '../storage/repositories/messages.js';
import {
  entryOfMessage,
  placeMessage,
  type StreamEntry,
  streamHead,
} from '../storage/repositories/streams.js';
import { findUserById } from '../storage/repositories/users.js';
import type { DeliveryPositions } from './delivery-positions.js';
import { forbidden, notFound } from './errors.js';
import type { GroupCommit } from './group-commit.js';
import { type HistoryPage, historyPage, type PageArgs } from './history.js';
import type { SendLimiter } from './rate-limiter.js';
import type { RoomService } from './rooms.js';
import { readStream, type StreamReaderDeps } from './stream-reader.js';
import {
  assertRetained,
  BROADCAST_STREAM,
  inboxStream,
  roomStream,
  seqOfCursor,
} from './streams.js';
import { parseId, validClientId, validContent } from './validation.js';
import { now, type Viewer } from './viewer.js';

export interface MessageServiceOptions {
  maxMessageLength: number;
  retention: boolean;
}

type Draft = Omit<NewMessage, 'created_at' | 'sender_id' | 'client_id' | 'kind'>;

/** Where a send goes, decided once its content is valid; the viewer's own stream first. */
export type SendPlan = (
  content: string,
) => Promise<{ draft: Draft; streams: Array<{ streamId: string; peerId: number | null }> }>;

export class MessageService {
  constructor(
    private readonly db: Db,
    private readonly commits: GroupCommit,
    private readonly pubsub: PubSub<Events>,
    private readonly rooms: RoomService,
    private readonly rateLimiter: SendLimiter,
    private readonly positions: DeliveryPositions,
    private readonly reader: StreamReaderDeps,
    private readonly options: MessageServiceOptions,
  ) {}

  async sendToRoom(
    viewer: Viewer,
    roomId: string,
    content: string,
    clientId: string | null | undefined,
  ): Promise<StreamEntry> {
    return this.#send(viewer, clientId, content, async (text) => {
      const { room, member } = await this.rooms.visibleRoomAndMembership(viewer, roomId);
      if (!member) throw forbidden('only members send to a room');
      return {
        draft: { channel: 'ROOM', room_id: room.id, content: text },
        streams: [{ streamId: roomStream(room.id), peerId: null }],
      };
    });
  }

  async sendDirect(
    viewer: Viewer,
    toUserId: string,
    content: string,
    clientId: string | null | undefined,
  ): Promise<StreamEntry> {
    return this.#send(viewer, clientId, content, async (text) => {
      const id = parseId(toUserId);
      const recipient = id === undefined ? undefined : await findUserById(this.db, id);
      if (!recipient) throw notFound('user');
      const streams = [{ streamId: inboxStream(viewer.id), peerId: recipient.id }];
      // A note to oneself sits once in one's inbox.
      if (recipient.id !== viewer.id)
        streams.push({ streamId: inboxStream(recipient.id), peerId: viewer.id });
      return { draft: { channel: 'DIRECT', recipient_id: recipient.id, content: text }, streams };
    });
  }

  async broadcast(
    viewer: Viewer,
    content: string,
    clientId: string | null | undefined,
  ): Promise<StreamEntry> {
    return this.#send(viewer, clientId, content, async (text) => {
      if (!viewer.isAdmin) throw forbidden('only admins broadcast');
      return {
        draft: { channel: 'BROADCAST', content: text },
        streams: [{ streamId: BROADCAST_STREAM, peerId: null }],
      };
    });
  }

  /** A send planned elsewhere (a reply): the same clientId, rate limit and sequencing rules. */
  sendPlanned(
    viewer: Viewer,
    clientId: string | null | undefined,
    content: string,
    plan: SendPlan,
  ): Promise<StreamEntry> {
    return this.#send(viewer, clientId, content, plan);
  }

  /**
   * The one send path: a repeated clientId returns the stored message (free of the rate
   * limit); otherwise check, take a rate token, store and sequence in one transaction
   * (shared with concurrent sends: group commit), and publish only after it commits.
   */
  async #send(
    viewer: Viewer,
    rawClientId: string | null | undefined,
    rawContent: string,
    plan: SendPlan,
  ): Promise<StreamEntry> {
    const clientId = validClientId(rawClientId);
    if (clientId !== null) {
      const earlier = await findByClientId(this.db, viewer.id, clientId);
      if (earlier) return this.#asSeenBy(viewer, earlier);
    }
    const content = validContent(rawContent, this.options.maxMessageLength);
    const { draft, streams } = await plan(content);
    await this.rateLimiter.take(viewer.id);
    let entries: StreamEntry[];
    try {
      // Shares a transaction (one commit) with the sends that arrive with it.
      entries = await this.commits.run(async (trx) => {
        const createdAt = now();
        const message = await insertMessage(trx, {
          ...draft,
          kind: 'TEXT',
          sender_id: viewer.id,
          client_id: clientId,
          created_at: createdAt,
        });
        const placed = await placeMessage(trx, message.id, streams, createdAt);
        return placed.map((place) => ({ ...place, message }));
      });
    } catch (error) {
      await this.rateLimiter.refund(viewer.id);
      // The same clientId committed concurrently: that send wins, this one returns it.
      if (clientId !== null && isUniqueViolation(error)) {
        const winner = await findByClientId(this.db, viewer.id, clientId);
        if (winner) return this.#asSeenBy(viewer, winner);
      }
      throw error;
    }
    for (const entry of entries)
      this.pubsub.publish('stream', entry.streamId, { type: 'entry', entry });
    const own = entries[0];
    if (!own) throw new Error('a send wrote no stream entry');
    return own;
  }

  /** A stored message at its place in the stream the viewer sees it on. */
  async #asSeenBy(viewer: Viewer, message: MessageRow): Promise<StreamEntry> {
    const streamId =
      message.channel === 'ROOM' && message.room_id !== null
        ? roomStream(message.room_id)
        : message.channel === 'DIRECT'
          ? inboxStream(viewer.id)
          : BROADCAST_STREAM;
    const entry = await entryOfMessage(this.db, streamId, message.id);
    if (!entry) throw new Error(`message ${message.id} has no entry in ${streamId}`);
    return entry;
  }

  async roomHistory(viewer: Viewer, roomId: string, args: PageArgs): Promise<HistoryPage> {
    const room = await this.rooms.visibleRoom(viewer, roomId);
    return historyPage(this.db, roomStream(room.id), args, { retention: this.options.retention });
  }

  async directHistory(viewer: Viewer, withUserId: string, args: PageArgs): Promise<HistoryPage> {
    const peer = await this.#user(withUserId);
    return historyPage(this.db, inboxStream(viewer.id), args, {
      peerId: peer.id,
      retention: this.options.retention,
    });
  }

  broadcastHistory(args: PageArgs): Promise<HistoryPage> {
    return historyPage(this.db, BROADCAST_STREAM, args, { retention: this.options.retention });
  }

  /**
   * Members resume from their stored position; others of a public room get live only.
   * `budget` is the connection's allowance for unsent live output (graphql-ws).
   */
  async subscribeRoom(
    viewer: Viewer,
    roomId: string,
    after: string | null | undefined,
    budget?: LiveBudget,
  ): Promise<AsyncIterableIterator<StreamEntry>> {
    const { room, member } = await this.rooms.visibleRoomAndMembership(viewer, roomId);
    return this.#subscribe(
      viewer,
      roomStream(room.id),
      after,
      member,
      room.is_private ? viewer.id : undefined,
      budget,
      // Deleted, or (private) left: the read ends as its lost event would have ended it.
      () =>
        this.rooms.visibleRoom(viewer, roomId).then(
          () => true,
          () => false,
        ),
    );
  }

  subscribeDirect(
    viewer: Viewer,
    after: string | null | undefined,
    budget?: LiveBudget,
  ): Promise<AsyncIterableIterator<StreamEntry>> {
    return this.#subscribe(viewer, inboxStream(viewer.id), after, true, undefined, budget);
  }

  subscribeBroadcast(
    viewer: Viewer,
    after: string | null | undefined,
    budget?: LiveBudget,
  ): Promise<AsyncIterableIterator<StreamEntry>> {
    return this.#subscribe(viewer, BROADCAST_STREAM, after, true, undefined, budget);
  }

  async #subscribe(
    viewer: Viewer,
    streamId: string,
    after: string | null | undefined,
    tracked: boolean,
    endsWhenRemoved: number | undefined,
    budget: LiveBudget | undefined,
    stillReadable?: () => Promise<boolean>,
  ): Promise<AsyncIterableIterator<StreamEntry>> {
    let afterSeq: number;
    if (after) {
      afterSeq = await seqOfCursor(this.db, streamId, after, 'after');
      if (this.options.retention) await assertRetained(this.db, streamId, afterSeq);
    } else {
      const stored = tracked ? await this.positions.position(viewer.id, streamId) : undefined;
      afterSeq = stored ?? (await streamHead(this.db, streamId)) ?? 0;
    }
    return readStream(this.reader, {
      streamId,
      afterSeq,
      endsWhenRemoved,
      budget,
      stillReadable,
      onDelivered: tracked ? (seq) => this.positions.record(viewer.id, streamId, seq) : undefined,
    });
  }

  async #user(userId: string) {
    const id = parseId(userId);
    const user = id === undefined ? undefined : await findUserById(this.db, id);
    if (!user) throw notFound('user');
    return user;
  }
}
