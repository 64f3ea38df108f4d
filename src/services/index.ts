import type { AuthService } from './auth.js';
import type { MessageService } from './messages.js';
import type { PresenceService } from './presence.js';
import type { ReadStateService } from './read-state.js';
import type { RoomService } from './rooms.js';
import type { TypingService } from './typing.js';
import type { UserDirectory } from './users.js';

/** Everything the schema may call: the rules, never storage directly. */
export interface Services {
  auth: AuthService;
  users: UserDirectory;
  rooms: RoomService;
  messages: MessageService;
  presence: PresenceService;
  readState: ReadStateService;
  typing: TypingService;
}
