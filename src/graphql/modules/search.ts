import { builder } from '../builder.js';
import { requireViewer } from '../context.js';
import { MessageConnectionRef } from './messages.js';

builder.queryFields((t) => ({
  searchMessages: t.field({
    type: MessageConnectionRef,
    description: 'Full-text search over what the viewer may read, newest first.',
    args: {
      query: t.arg.string({ required: true }),
      roomId: t.arg.id(),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    resolve: (_root, args, context) =>
      context.services.search.search(requireViewer(context), args.query, {
        roomId: args.roomId == null ? null : String(args.roomId),
        first: args.first,
        after: args.after,
      }),
  }),
}));
