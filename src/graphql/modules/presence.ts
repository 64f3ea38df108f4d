import { presenceUserIds } from '../../services/presence.js';
import { builder } from '../builder.js';
import { requireViewer } from '../context.js';
import { PresenceRef, PresenceStatusEnum, UserRef } from '../refs.js';

PresenceRef.implement({
  fields: (t) => ({
    user: t.field({
      type: UserRef,
      resolve: async (presence, _args, { services }) => {
        const user = await services.users.byId(presence.userId);
        if (!user) throw new Error(`presence of unknown user ${presence.userId}`);
        return user;
      },
    }),
    status: t.field({ type: PresenceStatusEnum, resolve: (presence) => presence.status }),
    lastSeenAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (presence) => presence.lastSeenAt,
    }),
    connectionCount: t.exposeInt('connectionCount'),
  }),
});

builder.queryFields((t) => ({
  presence: t.field({
    type: [PresenceRef],
    args: { userIds: t.arg.idList({ required: true }) },
    resolve: (_root, args, context) => {
      requireViewer(context);
      return context.services.presence.of(presenceUserIds(args.userIds.map(String)));
    },
  }),
  onlineUsers: t.field({
    type: [PresenceRef],
    description: 'Users with status ONLINE or AWAY; only members of roomId when given.',
    args: { roomId: t.arg.id() },
    resolve: (_root, args, context) =>
      context.services.presence.online(
        requireViewer(context),
        args.roomId == null ? null : String(args.roomId),
      ),
  }),
}));

builder.mutationFields((t) => ({
  setPresence: t.field({
    type: PresenceRef,
    args: { status: t.arg({ type: PresenceStatusEnum, required: true }) },
    resolve: (_root, args, context) =>
      context.services.presence.set(requireViewer(context), args.status),
  }),
}));

builder.subscriptionFields((t) => ({
  presenceChanged: t.field({
    type: PresenceRef,
    description: 'Presence changes of the members of roomId, or of every user when omitted.',
    args: { roomId: t.arg.id() },
    subscribe: (_root, args, context) =>
      context.services.presence.subscribe(
        requireViewer(context),
        args.roomId == null ? null : String(args.roomId),
      ),
    resolve: (presence) => presence,
  }),
}));
