import type { Events } from '../pubsub/events.js';
import type { PubSub } from '../pubsub/pubsub.js';
import type { Db } from '../storage/db.js';
import type { Services } from './index.js';
import { MessageChangeService } from './message-changes.js';
import { MessageStateService } from './message-state.js';
import type { MessageService } from './messages.js';
import { ModerationService } from './moderation.js';
import type { SendLimiter } from './rate-limiter.js';
import { ReplyService } from './replies.js';
import type { RoomService } from './rooms.js';
import { SearchService } from './search.js';

/** The chat features on top of the core (edits, reactions, replies, moderation, search). */
export function messageFeatures(
  db: Db,
  pubsub: PubSub<Events>,
  rooms: RoomService,
  messages: MessageService,
  rateLimiter: SendLimiter,
  maxMessageLength: number,
): Pick<Services, 'changes' | 'replies' | 'messageState' | 'moderation' | 'search'> {
  return {
    changes: new MessageChangeService(db, pubsub, rateLimiter, maxMessageLength),
    replies: new ReplyService(db, messages),
    messageState: new MessageStateService(db),
    moderation: new ModerationService(db, pubsub, rooms),
    search: new SearchService(db, rooms),
  };
}
