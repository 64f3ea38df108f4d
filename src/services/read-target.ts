import type { RoomRow } from '../storage/database.js';
import { badInput, forbidden } from './errors.js';
import type { RoomService } from './rooms.js';
import type { Viewer } from './viewer.js';

/** A room or a direct conversation: the two places read state and typing live. */
export type ChatTarget = { kind: 'room'; roomId: string } | { kind: 'direct'; userId: string };

/** Exactly one of the two ids (FEATURES.md), else BAD_USER_INPUT. */
export function chatTarget(
  roomId: string | null | undefined,
  userId: string | null | undefined,
  userArgument: string,
): ChatTarget {
  const hasRoom = roomId !== null && roomId !== undefined;
  const hasUser = userId !== null && userId !== undefined;
  if (hasRoom && !hasUser) return { kind: 'room', roomId };
  if (hasUser && !hasRoom) return { kind: 'direct', userId };
  throw badInput(
    `give exactly one of roomId and ${userArgument}`,
    hasRoom ? 'roomId' : userArgument,
  );
}

/** The room, for its members: NOT_FOUND when invisible, FORBIDDEN for others of a public one. */
export async function memberRoom(
  rooms: RoomService,
  viewer: Viewer,
  roomId: string,
  what: string,
): Promise<RoomRow> {
  const room = await rooms.visibleRoom(viewer, roomId);
  if (!(await rooms.isMember(room.id, viewer.id)))
    throw forbidden(`${what} is for members of the room`);
  return room;
}
