import { chatTarget } from '../../services/read-target.js';
import type { TypingView } from '../../services/typing.js';
import { builder } from '../builder.js';
import { requireViewer } from '../context.js';
import { optionalId } from '../ids.js';
import { RoomRef, UserRef } from '../refs.js';

const TypingEventRef = builder.objectRef<TypingView>('TypingEvent').implement({
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      resolve: async (event, _args, { services }) => {
        const user = await services.users.byId(event.userId);
        if (!user) throw new Error(`typing of unknown user ${event.userId}`);
        return user;
      },
    }),
    room: t.field({
      type: RoomRef,
      nullable: true,
      resolve: async (event, _args, { services }) =>
        event.roomId === null ? null : ((await services.rooms.byId(event.roomId)) ?? null),
    }),
    typing: t.exposeBoolean('typing'),
  }),
});

builder.mutationFields((t) => ({
  setTyping: t.boolean({
    args: { roomId: t.arg.id(), toUserId: t.arg.id(), typing: t.arg.boolean({ required: true }) },
    resolve: (_root, args, context) => {
      const viewer = requireViewer(context);
      const target = chatTarget(optionalId(args.roomId), optionalId(args.toUserId), 'toUserId');
      return context.services.typing.set(viewer, target, args.typing);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  typing: t.field({
    type: TypingEventRef,
    description: 'Ephemeral: never stored, never replayed.',
    args: { roomId: t.arg.id(), fromUserId: t.arg.id() },
    subscribe: (_root, args, context) =>
      context.services.typing.subscribe(
        requireViewer(context),
        optionalId(args.roomId),
        optionalId(args.fromUserId),
      ),
    resolve: (event) => event,
  }),
}));
