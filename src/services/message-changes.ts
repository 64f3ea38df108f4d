import type { Events } from '../pubsub/events.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { MessageKind, MessageRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import {
  deleteReaction,
  findReaction,
  firstChangeOf,
  insertReaction,
  lockMessage,
  markDeleted,
  placesOfMessage,
  setContent,
} from '../storage/repositories/message-changes.js';
import { insertMessage } from '../storage/repositories/messages.js';
import { roleOf } from '../storage/repositories/roles.js';
import { entryOfMessage, placeMessage, type StreamEntry } from '../storage/repositories/streams.js';
import { validEmoji } from './emoji.js';
import { forbidden } from './errors.js';
import { actionableMessage, assertNotDeleted, peerOf, streamSeenBy } from './message-access.js';
import type { SendLimiter } from './rate-limiter.js';
import { parseId, validContent } from './validation.js';
import { now, type Viewer } from './viewer.js';

type ChangeKind = Extract<MessageKind, 'EDIT' | 'DELETE' | 'REACTION' | 'UNREACTION'>;

/** What a change decided inside its transaction: an answer with nothing written, or a write. */
type ChangePlan =
  | { answer: StreamEntry }
  | {
      target: MessageRow;
      kind: ChangeKind;
      content: string;
      /** Edits and reactions count against the send rate limit; deletes do not. */
      rateLimited: boolean;
      /** The state change the new entry stands for, in the same transaction. */
      apply: (trx: Db, entryId: number, at: string) => Promise<void>;
    };

/**
 * Edits, deletes and reactions: each is a new entry in every stream its target sits in
 * (both inboxes for a direct message), written in one transaction with the state change
 * it stands for, and published after the commit like any message.
 */
export class MessageChangeService {
  constructor(
    private readonly db: Db,
    private readonly pubsub: PubSub<Events>,
    private readonly rateLimiter: SendLimiter,
    private readonly maxMessageLength: number,
  ) {}

  edit(viewer: Viewer, messageId: string, content: string): Promise<StreamEntry> {
    return this.#change(viewer, messageId, async (trx) => {
      const target = await actionableMessage(trx, viewer, messageId, 'edit');
      assertNotDeleted(target);
      if (target.sender_id !== viewer.id) throw forbidden('only the sender edits a message');
      const text = validContent(content, this.maxMessageLength);
      return {
        target,
        kind: 'EDIT',
        content: text,
        rateLimited: true,
        apply: (db, _entryId, at) => setContent(db, target.id, text, at),
      };
    });
  }

  delete(viewer: Viewer, messageId: string): Promise<StreamEntry> {
    return this.#change(viewer, messageId, async (trx) => {
      const target = await actionableMessage(trx, viewer, messageId, 'delete');
      if (target.sender_id !== viewer.id && !(await this.#ownsRoomOf(trx, viewer, target)))
        throw forbidden("only the sender or the room's OWNER deletes a message");
      if (target.deleted_at !== null) {
        const first = await firstChangeOf(trx, target.id, 'DELETE');
        if (first) return { answer: await this.#seenBy(trx, viewer, first) };
      }
      return {
        target,
        kind: 'DELETE',
        content: '',
        rateLimited: false,
        apply: (db, _entryId, at) => markDeleted(db, target.id, at),
      };
    });
  }

  addReaction(viewer: Viewer, messageId: string, emoji: string): Promise<StreamEntry> {
    return this.#change(viewer, messageId, async (trx) => {
      const target = await actionableMessage(trx, viewer, messageId, 'react');
      assertNotDeleted(target);
      const valid = validEmoji(emoji);
      const existing = await findReaction(trx, target.id, viewer.id, valid);
      if (existing) {
        const adding =
          existing.entry_id === null
            ? undefined
            : await entryOfMessage(trx, streamSeenBy(viewer, target), existing.entry_id);
        return { answer: adding ?? (await this.#seenBy(trx, viewer, target)) };
      }
      return {
        target,
        kind: 'REACTION',
        content: valid,
        rateLimited: true,
        apply: (db, entryId, at) =>
          insertReaction(db, {
            messageId: target.id,
            userId: viewer.id,
            emoji: valid,
            entryId,
            at,
          }),
      };
    });
  }

  removeReaction(viewer: Viewer, messageId: string, emoji: string): Promise<StreamEntry> {
    return this.#change(viewer, messageId, async (trx) => {
      const target = await actionableMessage(trx, viewer, messageId, 'react');
      const valid = validEmoji(emoji);
      // Nothing to take off (a deleted message has no reactions left): the target, unchanged.
      if (!(await findReaction(trx, target.id, viewer.id, valid)))
        return { answer: await this.#seenBy(trx, viewer, target) };
      return {
        target,
        kind: 'UNREACTION',
        content: valid,
        rateLimited: true,
        apply: (db) => deleteReaction(db, target.id, viewer.id, valid),
      };
    });
  }

  /**
   * Decides and writes in one transaction, so two concurrent changes of one message
   * see each other (a second delete answers the first, a second reaction writes nothing).
   */
  async #change(
    viewer: Viewer,
    messageId: string,
    plan: (trx: Db) => Promise<ChangePlan>,
  ): Promise<StreamEntry> {
    let charged = false;
    let written: { target: MessageRow; entries: StreamEntry[] } | StreamEntry;
    try {
      written = await this.db.transaction().execute(async (trx) => {
        // Before the plan reads it: the plan then sees every change committed before its own.
        const id = parseId(messageId);
        if (id !== undefined) await lockMessage(trx, id);
        const planned = await plan(trx);
        if ('answer' in planned) return planned.answer;
        if (planned.rateLimited) {
          await this.rateLimiter.take(viewer.id);
          charged = true;
        }
        const at = now();
        const entries = await this.#append(trx, viewer, planned, at);
        const entryId = entries[0]?.message.id;
        if (entryId === undefined)
          throw new Error(`message ${planned.target.id} sits in no stream`);
        await planned.apply(trx, entryId, at);
        return { target: planned.target, entries };
      });
    } catch (error) {
      if (charged) await this.rateLimiter.refund(viewer.id);
      throw error;
    }
    if (!('entries' in written)) return written;
    for (const entry of written.entries)
      this.pubsub.publish('stream', entry.streamId, { type: 'entry', entry });
    const ownStream = streamSeenBy(viewer, written.target);
    const own = written.entries.find((entry) => entry.streamId === ownStream);
    if (!own) throw new Error(`a change of message ${written.target.id} missed ${ownStream}`);
    return own;
  }

  /** The change as a message of its own, placed after its target in each of its streams. */
  async #append(
    trx: Db,
    viewer: Viewer,
    change: { target: MessageRow; kind: ChangeKind; content: string },
    at: string,
  ): Promise<StreamEntry[]> {
    const { target } = change;
    const message = await insertMessage(trx, {
      channel: target.channel,
      kind: change.kind,
      room_id: target.room_id,
      sender_id: viewer.id,
      recipient_id: target.channel === 'DIRECT' ? peerOf(target, viewer.id) : null,
      content: change.content,
      client_id: null,
      created_at: at,
      target_id: target.id,
    });
    const places = await placesOfMessage(trx, target.id);
    const placed = await placeMessage(trx, message.id, places, at);
    return placed.map((place) => ({ ...place, message }));
  }

  async #ownsRoomOf(trx: Db, viewer: Viewer, message: MessageRow): Promise<boolean> {
    if (message.channel !== 'ROOM' || message.room_id === null) return false;
    return (await roleOf(trx, message.room_id, viewer.id)) === 'OWNER';
  }

  async #seenBy(trx: Db, viewer: Viewer, message: MessageRow): Promise<StreamEntry> {
    const entry = await entryOfMessage(trx, streamSeenBy(viewer, message), message.id);
    if (!entry) throw new Error(`message ${message.id} is not in the viewer's stream`);
    return entry;
  }
}
