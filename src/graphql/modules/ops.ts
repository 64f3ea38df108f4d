import type { ServerStats } from '../../services/stats.js';
import { builder } from '../builder.js';
import { requireViewer } from '../context.js';

const StatsRef = builder.objectRef<ServerStats>('Stats').implement({
  description: 'How busy the hub is right now (admins only).',
  fields: (t) => ({
    connections: t.exposeInt('connections', {
      description: 'Open WebSocket connections on the instance that answers.',
    }),
    onlineUsers: t.exposeInt('onlineUsers', { description: 'Users ONLINE or AWAY.' }),
    rooms: t.exposeInt('rooms'),
    users: t.exposeInt('users'),
    messagesPerSecond: t.exposeFloat('messagesPerSecond', {
      description: 'Messages sent over the last minute, per second (SYSTEM ones left out).',
    }),
  }),
});

builder.queryFields((t) => ({
  stats: t.field({
    type: StatsRef,
    description: 'Admins only (ADMIN_USERS).',
    resolve: (_root, _args, context) => context.services.stats.stats(requireViewer(context)),
  }),
}));
