import type { ConversationView, ReadReceiptView } from '../../services/read-state.js';
import { chatTarget } from '../../services/read-target.js';
import { encodeCursor } from '../../services/streams.js';
import { builder } from '../builder.js';
import { requireViewer } from '../context.js';
import { optionalId } from '../ids.js';
import { MessageRef, RoomRef, UserRef } from '../refs.js';

const DeliveryStateEnum = builder.enumType('DeliveryState', {
  values: ['SENT', 'DELIVERED', 'READ'] as const,
});

builder.objectFields(MessageRef, (t) => ({
  readBy: t.field({
    type: [UserRef],
    description:
      'Members whose read position has reached this message (the recipient, for a direct one).',
    resolve: (entry, _args, context) => {
      requireViewer(context);
      return context.services.readState.readBy(entry);
    },
  }),
  deliveryState: t.field({
    type: DeliveryStateEnum,
    nullable: true,
    description: 'For a direct message the viewer sent: how far it got. Null otherwise.',
    resolve: (entry, _args, context) =>
      context.services.readState.deliveryState(requireViewer(context), entry),
  }),
}));

builder.objectFields(RoomRef, (t) => ({
  unreadCount: t.int({
    description: "TEXT messages after the viewer's read position, not counting the viewer's own.",
    resolve: (room, _args, context) =>
      context.services.readState.roomUnreadCount(requireViewer(context), room.id),
  }),
  lastMessage: t.field({
    type: MessageRef,
    nullable: true,
    resolve: (room, _args, context) => {
      requireViewer(context);
      return context.services.readState.roomLastMessage(room.id);
    },
  }),
}));

const ConversationRef = builder.objectRef<ConversationView>('Conversation').implement({
  fields: (t) => ({
    withUser: t.field({
      type: UserRef,
      resolve: async (view, _args, { services }) => {
        const user = await services.users.byId(view.peerId);
        if (!user) throw new Error(`conversation with unknown user ${view.peerId}`);
        return user;
      },
    }),
    lastMessage: t.field({
      type: MessageRef,
      nullable: true,
      resolve: (view, _args, { services }) => services.readState.conversationLastMessage(view),
    }),
    unreadCount: t.int({
      resolve: (view, _args, { services }) => services.readState.conversationUnreadCount(view),
    }),
  }),
});

const ReadReceiptRef = builder.objectRef<ReadReceiptView>('ReadReceipt').implement({
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      description: 'The reader.',
      resolve: async (receipt, _args, { services }) => {
        const user = await services.users.byId(receipt.readerId);
        if (!user) throw new Error(`receipt of unknown user ${receipt.readerId}`);
        return user;
      },
    }),
    room: t.field({
      type: RoomRef,
      nullable: true,
      resolve: async (receipt, _args, { services }) =>
        receipt.roomId === null ? null : ((await services.rooms.byId(receipt.roomId)) ?? null),
    }),
    withUser: t.field({
      type: UserRef,
      nullable: true,
      description: "For a direct conversation: the reader's conversation partner.",
      resolve: async (receipt, _args, { services }) =>
        receipt.withUserId === null
          ? null
          : ((await services.users.byId(receipt.withUserId)) ?? null),
    }),
    message: t.field({
      type: MessageRef,
      description: 'The last message read.',
      resolve: (receipt) => receipt.entry,
    }),
    cursor: t.string({
      description:
        "That message's cursor in the viewer's own stream (the room, or the viewer's inbox).",
      resolve: (receipt) => encodeCursor(receipt.entry.streamId, receipt.entry.seq),
    }),
    readAt: t.field({ type: 'DateTime', resolve: (receipt) => receipt.readAt }),
  }),
});

builder.queryFields((t) => ({
  conversations: t.field({
    type: [ConversationRef],
    description: 'Direct conversations of the viewer, most recent first.',
    resolve: (_root, _args, context) =>
      context.services.readState.conversations(requireViewer(context)),
  }),
}));

builder.mutationFields((t) => ({
  markRead: t.field({
    type: ReadReceiptRef,
    args: { roomId: t.arg.id(), withUserId: t.arg.id(), upTo: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => {
      const viewer = requireViewer(context);
      const target = chatTarget(optionalId(args.roomId), optionalId(args.withUserId), 'withUserId');
      return context.services.readState.markRead(viewer, target, args.upTo);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  readReceipts: t.field({
    type: ReadReceiptRef,
    description: 'Read receipts in a room, or from the other side of a direct conversation.',
    args: { roomId: t.arg.id(), withUserId: t.arg.id() },
    subscribe: (_root, args, context) => {
      const viewer = requireViewer(context);
      const target = chatTarget(optionalId(args.roomId), optionalId(args.withUserId), 'withUserId');
      return context.services.readState.subscribeReceipts(viewer, target);
    },
    resolve: (receipt) => receipt,
  }),
}));
