import type { HistoryPage } from '../../services/history.js';
import { encodeCursor } from '../../services/streams.js';
import type { StreamEntry } from '../../storage/repositories/streams.js';
import { builder } from '../builder.js';
import { requireViewer } from '../context.js';
import { MessageRef, PageInfoRef, type PageInfoShape, RoomRef, UserRef } from '../refs.js';

const ChannelEnum = builder.enumType('Channel', {
  values: ['ROOM', 'DIRECT', 'BROADCAST'] as const,
});
const MessageKindEnum = builder.enumType('MessageKind', {
  values: {
    TEXT: {},
    SYSTEM: { description: '"x joined", "x left": written by the server, sender is null' },
    EDIT: { description: "A change of `target`'s content; `content` is the new text" },
    DELETE: { description: '`target` was deleted; `content` is empty' },
    REACTION: { description: '`content` is the emoji added to `target`' },
    UNREACTION: { description: '`content` is the emoji taken off `target`' },
  },
});

const cursorOf = (entry: StreamEntry): string => encodeCursor(entry.streamId, entry.seq);

MessageRef.implement({
  fields: (t) => ({
    id: t.id({ resolve: (entry) => entry.message.id }),
    channel: t.field({ type: ChannelEnum, resolve: (entry) => entry.message.channel }),
    kind: t.field({
      type: MessageKindEnum,
      resolve: (entry) => entry.message.kind,
    }),
    seq: t.int({
      description: 'Position in the stream it was delivered on; consecutive, starting at 1.',
      resolve: (entry) => entry.seq,
    }),
    cursor: t.string({
      description: 'Opaque; pass as `after` to resume right after this message.',
      resolve: cursorOf,
    }),
    room: t.field({
      type: RoomRef,
      nullable: true,
      resolve: async (entry, _args, { services }) =>
        entry.message.room_id === null
          ? null
          : ((await services.rooms.byId(entry.message.room_id)) ?? null),
    }),
    sender: t.field({
      type: UserRef,
      nullable: true,
      resolve: (entry, _args, { services }) =>
        entry.message.sender_id === null ? null : services.users.byId(entry.message.sender_id),
    }),
    recipient: t.field({
      type: UserRef,
      nullable: true,
      resolve: (entry, _args, { services }) =>
        entry.message.recipient_id === null
          ? null
          : services.users.byId(entry.message.recipient_id),
    }),
    content: t.string({ resolve: (entry) => entry.message.content }),
    clientId: t.string({ nullable: true, resolve: (entry) => entry.message.client_id }),
    createdAt: t.field({ type: 'DateTime', resolve: (entry) => entry.message.created_at }),
  }),
});

const MessageEdgeRef = builder
  .objectRef<{ entry: StreamEntry; cursor: string }>('MessageEdge')
  .implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: MessageRef, resolve: (edge) => edge.entry }),
    }),
  });

export const MessageConnectionRef = builder.objectRef<HistoryPage>('MessageConnection').implement({
  fields: (t) => ({
    edges: t.field({
      type: [MessageEdgeRef],
      resolve: (page) =>
        page.entries.map((entry) => ({
          entry,
          cursor: (page.edgeCursor ?? cursorOf)(entry),
        })),
    }),
    pageInfo: t.field({
      type: PageInfoRef,
      resolve: (page): PageInfoShape => {
        const first = page.entries[0];
        const last = page.entries.at(-1);
        const edgeCursor = page.edgeCursor ?? cursorOf;
        return {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: page.hasPreviousPage,
          startCursor: first ? edgeCursor(first) : null,
          endCursor: last ? edgeCursor(last) : null,
        };
      },
    }),
  }),
});

builder.queryFields((t) => {
  const pageArgs = {
    first: t.arg.int(),
    after: t.arg.string(),
    last: t.arg.int(),
    before: t.arg.string(),
  };
  return {
    roomHistory: t.field({
      type: MessageConnectionRef,
      description: 'Relay-style, edges always oldest first; with no arguments the latest 50.',
      args: { roomId: t.arg.id({ required: true }), ...pageArgs },
      resolve: (_root, { roomId, ...args }, context) =>
        context.services.messages.roomHistory(requireViewer(context), String(roomId), args),
    }),
    directHistory: t.field({
      type: MessageConnectionRef,
      args: { withUserId: t.arg.id({ required: true }), ...pageArgs },
      resolve: (_root, { withUserId, ...args }, context) =>
        context.services.messages.directHistory(requireViewer(context), String(withUserId), args),
    }),
    broadcastHistory: t.field({
      type: MessageConnectionRef,
      args: pageArgs,
      resolve: (_root, args, context) => {
        requireViewer(context);
        return context.services.messages.broadcastHistory(args);
      },
    }),
  };
});

builder.mutationFields((t) => ({
  sendRoomMessage: t.field({
    type: MessageRef,
    args: {
      roomId: t.arg.id({ required: true }),
      content: t.arg.string({ required: true }),
      clientId: t.arg.string(),
    },
    resolve: (_root, args, context) =>
      context.services.messages.sendToRoom(
        requireViewer(context),
        String(args.roomId),
        args.content,
        args.clientId,
      ),
  }),
  sendDirectMessage: t.field({
    type: MessageRef,
    args: {
      toUserId: t.arg.id({ required: true }),
      content: t.arg.string({ required: true }),
      clientId: t.arg.string(),
    },
    resolve: (_root, args, context) =>
      context.services.messages.sendDirect(
        requireViewer(context),
        String(args.toUserId),
        args.content,
        args.clientId,
      ),
  }),
  broadcast: t.field({
    type: MessageRef,
    description: 'Admins only.',
    args: { content: t.arg.string({ required: true }), clientId: t.arg.string() },
    resolve: (_root, args, context) =>
      context.services.messages.broadcast(requireViewer(context), args.content, args.clientId),
  }),
}));

builder.subscriptionFields((t) => ({
  roomMessages: t.field({
    type: MessageRef,
    description: 'Replays what the viewer missed, then goes live; see SEMANTICS.md.',
    args: { roomId: t.arg.id({ required: true }), after: t.arg.string() },
    subscribe: (_root, args, context) =>
      context.services.messages.subscribeRoom(
        requireViewer(context),
        String(args.roomId),
        args.after,
        context.liveBudget,
      ),
    resolve: (entry) => entry,
  }),
  directMessages: t.field({
    type: MessageRef,
    description: 'Direct messages to and from the viewer (every device of the viewer sees both).',
    args: { after: t.arg.string() },
    subscribe: (_root, args, context) =>
      context.services.messages.subscribeDirect(
        requireViewer(context),
        args.after,
        context.liveBudget,
      ),
    resolve: (entry) => entry,
  }),
  broadcasts: t.field({
    type: MessageRef,
    args: { after: t.arg.string() },
    subscribe: (_root, args, context) =>
      context.services.messages.subscribeBroadcast(
        requireViewer(context),
        args.after,
        context.liveBudget,
      ),
    resolve: (entry) => entry,
  }),
}));
