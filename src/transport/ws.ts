import type { Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { DeliveryPositions } from '../services/delivery-positions.js';
import type { Services } from '../services/index.js';
import { bearerToken } from '../services/tokens.js';
import type { Viewer } from '../services/viewer.js';
import type { Yoga } from './http.js';

export interface WsLimits {
  maxConnectionsPerUser: number;
  maxSubscriptionsPerConnection: number;
  maxPayloadBytes: number;
}

export const TOO_MANY_CONNECTIONS = 4029;

interface Connection {
  viewer: Viewer;
  expiry: NodeJS.Timeout;
}

/** Executable operations as graphql-ws's execute/subscribe receive them from onSubscribe. */
interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/**
 * graphql-ws on the same path as HTTP, every operation through Yoga's envelop so that
 * both share one plugin pipeline. Authenticates once at connection_init.
 */
export function attachWebSocket(
  httpServer: Server,
  yoga: Yoga,
  services: Services,
  positions: DeliveryPositions,
  limits: WsLimits,
): { close: () => Promise<void> } {
  const wss = new WebSocketServer({
    server: httpServer,
    path: yoga.graphqlEndpoint,
    maxPayload: limits.maxPayloadBytes,
  });
  const connections = new WeakMap<object, Connection>();
  const perUser = new Map<number, number>();

  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onConnect: async (ctx) => {
        const viewer = await services.auth.authenticate(
          bearerToken(ctx.connectionParams?.authorization),
        );
        if (!viewer) return false;
        const open = perUser.get(viewer.id) ?? 0;
        if (open >= limits.maxConnectionsPerUser) {
          // Closing first makes this code win over the 4403 that `false` would send.
          ctx.extra.socket.close(TOO_MANY_CONNECTIONS, 'too many connections');
          return false;
        }
        perUser.set(viewer.id, open + 1);
        const msLeft = Math.max(0, viewer.expiresAt * 1000 - Date.now());
        const expiry = setTimeout(
          () => ctx.extra.socket.close(CloseCode.Forbidden, 'token expired'),
          Math.min(msLeft, 2 ** 31 - 1),
        );
        connections.set(ctx.extra, { viewer, expiry });
        await services.presence.connected(viewer.id);
        return true;
      },
      onClose: async (ctx) => {
        const connection = connections.get(ctx.extra);
        if (!connection) return;
        connections.delete(ctx.extra);
        clearTimeout(connection.expiry);
        const open = (perUser.get(connection.viewer.id) ?? 1) - 1;
        if (open > 0) perUser.set(connection.viewer.id, open);
        else perUser.delete(connection.viewer.id);
        await Promise.all([
          services.presence.disconnected(connection.viewer.id),
          positions.flush(),
        ]);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const connection = connections.get(ctx.extra);
        if (!connection)
          return [new GraphQLError('not connected', { extensions: { code: 'UNAUTHENTICATED' } })];
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(
              `at most ${limits.maxSubscriptionsPerConnection} subscriptions per connection`,
              {
                extensions: { code: 'FORBIDDEN' },
              },
            ),
          ];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionViewer: connection.viewer,
        });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (error) {
          // Yoga's recipe lets this throw, which closes the whole socket with 4500.
          const message = error instanceof GraphQLError ? error.message : 'Syntax Error';
          return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) {
          return errors.map(
            (error: GraphQLError) =>
              new GraphQLError(error.message, {
                nodes: error.nodes,
                extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
              }),
          );
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
      },
    },
    wss,
  );

  return {
    close: async () => {
      for (const socket of wss.clients) socket.close(1001, 'Going away');
      await disposable.dispose();
    },
  };
}
