import type { AuthService } from './auth.js';
import type { MessageChangeService } from './message-changes.js';
import type { MessageStateService } from './message-state.js';
import type { MessageService } from './messages.js';
import type { ModerationService } from './moderation.js';
import type { PresenceService } from './presence.js';
import type { ReadStateService } from './read-state.js';
import type { ReplyService } from './replies.js';
import type { RoomService } from './rooms.js';
import type { SearchService } from './search.js';
import type { StatsService } from './stats.js';
import type { TypingService } from './typing.js';
import type { UserDirectory } from './users.js';

/** Everything the schema may call: the rules, never storage directly. */
export interface Services {
  auth: AuthService;
  users: UserDirectory;
  rooms: RoomService;
  messages: MessageService;
  presence: PresenceService;
  stats: StatsService;
  changes: MessageChangeService;
  replies: ReplyService;
  messageState: MessageStateService;
  moderation: ModerationService;
  search: SearchService;
  readState: ReadStateService;
  typing: TypingService;
}
