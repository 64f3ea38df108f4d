import { builder } from '../builder.js';
import { requireViewer } from '../context.js';
import { MessageRef } from '../refs.js';
import { MessageConnectionRef } from './messages.js';

builder.objectFields(MessageRef, (t) => ({
  replyTo: t.field({
    type: MessageRef,
    nullable: true,
    description: 'The message this one answers, when sent with replyToId.',
    resolve: async (entry, _args, { services }) =>
      entry.message.reply_to_id === null
        ? null
        : ((await services.messageState.entryIn(entry.streamId, entry.message.reply_to_id)) ??
          null),
  }),
  replyCount: t.int({
    resolve: (entry, _args, { services }) => services.messageState.replyCount(entry.message),
  }),
}));

builder.queryFields((t) => ({
  replies: t.field({
    type: MessageConnectionRef,
    description: 'Replies to a message, oldest first.',
    args: { messageId: t.arg.id({ required: true }), first: t.arg.int(), after: t.arg.string() },
    resolve: (_root, args, context) =>
      context.services.replies.replies(
        requireViewer(context),
        String(args.messageId),
        args.first,
        args.after,
      ),
  }),
}));

builder.mutationFields((t) => ({
  replyToMessage: t.field({
    type: MessageRef,
    description: 'Reply in the same room or conversation.',
    args: {
      messageId: t.arg.id({ required: true }),
      content: t.arg.string({ required: true }),
      clientId: t.arg.string(),
    },
    resolve: (_root, args, context) =>
      context.services.replies.reply(
        requireViewer(context),
        String(args.messageId),
        args.content,
        args.clientId,
      ),
  }),
}));
