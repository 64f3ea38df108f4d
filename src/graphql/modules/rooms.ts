import { encodeRoomCursor } from '../../services/rooms.js';
import type { RoomRow } from '../../storage/database.js';
import { builder } from '../builder.js';
import { requireViewer } from '../context.js';
import { PageInfoRef, type PageInfoShape, RoomRef, UserRef } from '../refs.js';

RoomRef.implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    isPrivate: t.boolean({ resolve: (room) => room.is_private === 1 }),
    maxMembers: t.exposeInt('max_members'),
    memberCount: t.exposeInt('member_count'),
    createdAt: t.field({ type: 'DateTime', resolve: (room) => room.created_at }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      resolve: (room, _args, { services }) =>
        room.created_by === null ? null : services.users.byId(room.created_by),
    }),
    viewerIsMember: t.boolean({
      resolve: (room, _args, context) =>
        context.services.rooms.isMember(room.id, requireViewer(context).id),
    }),
    members: t.field({
      type: [UserRef],
      resolve: (room, _args, { services }) => services.rooms.members(room.id),
    }),
  }),
});

const RoomEdgeRef = builder.objectRef<RoomRow>('RoomEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: (room) => encodeRoomCursor(room.id) }),
    node: t.field({ type: RoomRef, resolve: (room) => room }),
  }),
});

const RoomConnectionRef = builder
  .objectRef<{ edges: RoomRow[]; pageInfo: PageInfoShape }>('RoomConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [RoomEdgeRef], resolve: (connection) => connection.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (connection) => connection.pageInfo }),
    }),
  });

builder.queryFields((t) => ({
  room: t.field({
    type: RoomRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.rooms.visibleRoom(requireViewer(context), String(args.id)),
  }),
  rooms: t.field({
    type: RoomConnectionRef,
    description: 'Public rooms and the private rooms the viewer belongs to, oldest first.',
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: async (_root, args, context) => {
      const page = await context.services.rooms.list(
        requireViewer(context),
        args.first,
        args.after,
      );
      const first = page.rooms[0];
      const last = page.rooms.at(-1);
      return {
        edges: page.rooms,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          // Forward paging only: nothing lies between `after` and the first edge.
          hasPreviousPage: false,
          startCursor: first ? encodeRoomCursor(first.id) : null,
          endCursor: last ? encodeRoomCursor(last.id) : null,
        },
      };
    },
  }),
  myRooms: t.field({
    type: [RoomRef],
    description: 'Rooms the viewer is a member of.',
    resolve: (_root, _args, context) => context.services.rooms.mine(requireViewer(context)),
  }),
}));

builder.mutationFields((t) => ({
  createRoom: t.field({
    type: RoomRef,
    args: {
      name: t.arg.string({ required: true }),
      isPrivate: t.arg.boolean({ defaultValue: false }),
      maxMembers: t.arg.int(),
    },
    resolve: (_root, args, context) =>
      context.services.rooms.create(
        requireViewer(context),
        args.name,
        args.isPrivate ?? false,
        args.maxMembers,
      ),
  }),
  joinRoom: t.field({
    type: RoomRef,
    args: { roomId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.rooms.join(requireViewer(context), String(args.roomId)),
  }),
  leaveRoom: t.field({
    type: RoomRef,
    args: { roomId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.rooms.leave(requireViewer(context), String(args.roomId)),
  }),
  inviteToRoom: t.field({
    type: RoomRef,
    description: 'Adds a user to a private room; the viewer must be a member of it.',
    args: { roomId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.rooms.invite(
        requireViewer(context),
        String(args.roomId),
        String(args.userId),
      ),
  }),
}));
