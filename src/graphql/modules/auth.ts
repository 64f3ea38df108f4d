import type { AuthResult } from '../../services/auth.js';
import { builder } from '../builder.js';
import { requireViewer } from '../context.js';
import { PresenceRef, UserRef } from '../refs.js';

UserRef.implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    presence: t.field({
      type: PresenceRef,
      resolve: async (user, _args, { services }) => {
        const [presence] = await services.presence.of([user.id]);
        return (
          presence ?? {
            userId: user.id,
            status: 'OFFLINE' as const,
            lastSeenAt: null,
            connectionCount: 0,
          }
        );
      },
    }),
  }),
});

const AuthPayloadRef = builder.objectRef<AuthResult>('AuthPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token'),
    user: t.field({ type: UserRef, resolve: (payload) => payload.user }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: UserRef,
    resolve: async (_root, _args, context) => {
      const viewer = requireViewer(context);
      const user = await context.services.users.byId(viewer.id);
      if (!user) throw new Error('the viewer has no user row');
      return user;
    },
  }),
  user: t.field({
    type: UserRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => {
      requireViewer(context);
      return context.services.users.byExternalId(String(args.id));
    },
  }),
}));

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayloadRef,
    args: { name: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_root, args, { services }) => services.auth.signUp(args.name, args.password),
  }),
  signIn: t.field({
    type: AuthPayloadRef,
    args: { name: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_root, args, { services }) => services.auth.signIn(args.name, args.password),
  }),
}));
