import { badInput } from './errors.js';

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
  if (hasRoom === hasUser) {
    throw badInput(
      `give exactly one of roomId and ${userArgument}`,
      hasRoom ? 'roomId' : userArgument,
    );
  }
  return hasRoom ? { kind: 'room', roomId } : { kind: 'direct', userId: userId as string };
}
