import type { ReactionCount } from '../../services/message-state.js';
import { builder } from '../builder.js';
import { requireViewer } from '../context.js';
import { MessageRef } from '../refs.js';

const ReactionCountRef = builder.objectRef<ReactionCount>('ReactionCount').implement({
  fields: (t) => ({
    emoji: t.exposeString('emoji'),
    count: t.exposeInt('count'),
    viewerReacted: t.exposeBoolean('viewerReacted'),
  }),
});

builder.objectFields(MessageRef, (t) => ({
  target: t.field({
    type: MessageRef,
    nullable: true,
    description: 'EDIT, DELETE, REACTION, UNREACTION: the message acted on.',
    // Read now, at its place in the same stream: it shows its current state, replay included.
    resolve: async (entry, _args, { services }) =>
      entry.message.target_id === null
        ? null
        : ((await services.messageState.entryIn(entry.streamId, entry.message.target_id)) ?? null),
  }),
  editedAt: t.field({
    type: 'DateTime',
    nullable: true,
    resolve: (entry) => entry.message.edited_at,
  }),
  deletedAt: t.field({
    type: 'DateTime',
    nullable: true,
    resolve: (entry) => entry.message.deleted_at,
  }),
  reactions: t.field({
    type: [ReactionCountRef],
    resolve: (entry, _args, context) =>
      context.services.messageState.reactions(requireViewer(context).id, entry.message),
  }),
}));

builder.mutationFields((t) => ({
  editMessage: t.field({
    type: MessageRef,
    args: { messageId: t.arg.id({ required: true }), content: t.arg.string({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.changes.edit(requireViewer(context), String(args.messageId), args.content),
  }),
  deleteMessage: t.field({
    type: MessageRef,
    args: { messageId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.changes.delete(requireViewer(context), String(args.messageId)),
  }),
  addReaction: t.field({
    type: MessageRef,
    args: { messageId: t.arg.id({ required: true }), emoji: t.arg.string({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.changes.addReaction(
        requireViewer(context),
        String(args.messageId),
        args.emoji,
      ),
  }),
  removeReaction: t.field({
    type: MessageRef,
    args: { messageId: t.arg.id({ required: true }), emoji: t.arg.string({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.changes.removeReaction(
        requireViewer(context),
        String(args.messageId),
        args.emoji,
      ),
  }),
}));
