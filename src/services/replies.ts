import type { Db } from '../storage/db.js';
import {
  findMessageById,
  placesOfMessage,
  repliesInStream,
} from '../storage/repositories/message-changes.js';
import type { StreamEntry } from '../storage/repositories/streams.js';
import type { HistoryPage } from './history.js';
import {
  actionableMessage,
  assertNotDeleted,
  peerOf,
  readableMessage,
  streamSeenBy,
} from './message-access.js';
import type { MessageService } from './messages.js';
import { seqOfCursor } from './streams.js';
import { validPageSize } from './validation.js';
import type { Viewer } from './viewer.js';

const DEFAULT_PAGE = 50;

/** Threads one level deep: a reply is a TEXT message with `reply_to_id` set to its root. */
export class ReplyService {
  constructor(
    private readonly db: Db,
    private readonly messages: MessageService,
  ) {}

  /** Sends into the target's room or conversation; a reply to a reply answers its root. */
  reply(
    viewer: Viewer,
    messageId: string,
    content: string,
    clientId: string | null | undefined,
  ): Promise<StreamEntry> {
    return this.messages.sendPlanned(viewer, clientId, content, async (text) => {
      const target = await actionableMessage(this.db, viewer, messageId, 'reply');
      assertNotDeleted(target);
      const root =
        target.reply_to_id === null ? target : await findMessageById(this.db, target.reply_to_id);
      if (!root) throw new Error(`reply ${target.id} lost its root`);
      assertNotDeleted(root);
      const own = streamSeenBy(viewer, root);
      const places = await placesOfMessage(this.db, root.id);
      return {
        draft: {
          channel: root.channel,
          room_id: root.room_id,
          recipient_id: root.channel === 'DIRECT' ? peerOf(root, viewer.id) : null,
          content: text,
          reply_to_id: root.id,
        },
        // The send answers the first stream's entry: the viewer's own.
        streams: [
          ...places.filter((place) => place.streamId === own),
          ...places.filter((place) => place.streamId !== own),
        ],
      };
    });
  }

  /** Replies that are not deleted, oldest first, paged by cursors of the viewer's stream. */
  async replies(
    viewer: Viewer,
    messageId: string,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<HistoryPage> {
    const message = await readableMessage(this.db, viewer, messageId);
    const limit = validPageSize(first, 'first') ?? DEFAULT_PAGE;
    const streamId = streamSeenBy(viewer, message);
    const afterSeq = after ? await seqOfCursor(this.db, streamId, after, 'after') : undefined;
    const rows = await repliesInStream(this.db, {
      streamId,
      rootId: message.id,
      afterSeq,
      limit: limit + 1,
    });
    // Forward paging only: nothing lies between `after` and the first edge.
    return {
      entries: rows.slice(0, limit),
      hasNextPage: rows.length > limit,
      hasPreviousPage: false,
    };
  }
}
