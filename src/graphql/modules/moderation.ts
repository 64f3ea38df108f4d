import { builder } from '../builder.js';
import { requireViewer } from '../context.js';
import { RoomRef } from '../refs.js';

const RoomRoleEnum = builder.enumType('RoomRole', { values: ['OWNER', 'MEMBER'] as const });

builder.objectFields(RoomRef, (t) => ({
  viewerRole: t.field({
    type: RoomRoleEnum,
    nullable: true,
    description: "The viewer's role in the room; null when not a member.",
    resolve: (room, _args, context) =>
      context.services.moderation.role(room.id, requireViewer(context).id),
  }),
}));

builder.mutationFields((t) => ({
  removeFromRoom: t.field({
    type: RoomRef,
    description: 'OWNER only: removes a member as if they had left.',
    args: { roomId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.moderation.remove(
        requireViewer(context),
        String(args.roomId),
        String(args.userId),
      ),
  }),
  deleteRoom: t.boolean({
    description: 'OWNER only: the room, its messages and memberships go; its subscriptions end.',
    args: { roomId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.moderation.deleteRoom(requireViewer(context), String(args.roomId)),
  }),
}));
