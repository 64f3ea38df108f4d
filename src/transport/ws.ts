import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { type ExecutionArgs, GraphQLError, getOperationAST } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { requestIdOf } from '../ops/request-id.js';
import { ConnectionBudget } from '../pubsub/live-budget.js';
import type { DeliveryPositions } from '../services/delivery-positions.js';
import type { Services } from '../services/index.js';
import { bearerToken } from '../services/tokens.js';
import type { Viewer } from '../services/viewer.js';
import { flatString } from '../util/flat-string.js';
import { atDeadline, type Deadline } from './deadline.js';
import type { DirectObserver, DirectSink } from './direct-subscriptions.js';
import { KEEP_ALIVE_MS, keepAlive } from './heartbeat.js';
import type { Yoga } from './http.js';

export interface WsLimits {
  maxConnectionsPerUser: number;
  maxSubscriptionsPerConnection: number;
  maxPayloadBytes: number;
  /** Unsent live output (queued live events + the socket's buffer) before 4413. */
  maxUnsentLiveBytes: number;
  /** A socket that sends no connection_init this long is closed with 4408. */
  connectionInitTimeoutMs: number;
}

/** What the transport reports to metrics: its subscriptions, and slow-consumer cut-offs. */
export interface WsObservers extends DirectObserver {
  /** A connection was cut off as a slow consumer (4413). */
  slowConsumerClosed: () => void;
}

export const TOO_MANY_CONNECTIONS = 4029;
/** RFC 6455's "try again later": a dependency the connection needs is unavailable. */
export const TRY_AGAIN_LATER = 1013;
/**
 * A reader too slow for its live output. ws's close() keeps the socket for its
 * closeTimeout (30 s) so the close frame can be read behind the data before it is
 * destroyed; the client then resumes with `after` from storage.
 */
export const SLOW_CONSUMER = 4413;

interface Connection {
  viewer: Viewer;
  /** Its entry in presence, which also counts connections per user (across instances). */
  id: string;
  /** The upgrade request's id (logs); the request itself is let go once connected. */
  requestId: string | undefined;
  expiry: Deadline;
  liveBudget: ConnectionBudget;
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
  observers: WsObservers,
): { close: () => Promise<void> } {
  const wss = new WebSocketServer({
    server: httpServer,
    path: yoga.graphqlEndpoint,
    maxPayload: limits.maxPayloadBytes,
  });
  const connections = new WeakMap<object, Connection>();
  const budgets = new WeakMap<WebSocket, ConnectionBudget>();

  const disposable = useServer(
    {
      connectionInitWaitTimeout: limits.connectionInitTimeoutMs,
      jsonMessageReviver: rejectServerMessages,
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: async (args) => {
        const result = await (args.rootValue as EnvelopedRoot).subscribe(args);
        // A direct subscription: envelop got a settled result, graphql-ws runs its stream.
        return ((args.contextValue as { directSink?: DirectSink }).directSink?.stream ??
          result) as never;
      },
      onConnect: async (ctx) => {
        const viewer = await services.auth.authenticate(
          bearerToken(authorizationParam(ctx.connectionParams)),
        );
        if (!viewer) return false;
        const id = flatString(randomUUID());
        const admitted = await services.presence
          .connected(viewer.id, id, limits.maxConnectionsPerUser)
          .catch(() => undefined);
        if (admitted === undefined) {
          // Presence is shared through Redis and Redis is away: the client retries later.
          ctx.extra.socket.close(TRY_AGAIN_LATER, 'try again later');
          return false;
        }
        if (!admitted) {
          // Closing first makes this code win over the 4403 that `false` would send.
          ctx.extra.socket.close(TOO_MANY_CONNECTIONS, 'too many connections');
          return false;
        }
        const expiry = atDeadline(viewer.expiresAt * 1000, () =>
          ctx.extra.socket.close(CloseCode.Forbidden, 'token expired'),
        );
        const { socket } = ctx.extra;
        const liveBudget = new ConnectionBudget(
          limits.maxUnsentLiveBytes,
          () => socket.bufferedAmount,
          () => {
            observers.slowConsumerClosed();
            socket.close(SLOW_CONSUMER, 'slow consumer');
          },
        );
        const requestId = requestIdOf(ctx.extra.request);
        connections.set(ctx.extra, {
          viewer,
          id,
          requestId: requestId === undefined ? undefined : flatString(requestId),
          expiry,
          liveBudget,
        });
        // graphql-ws would keep the upgrade request (headers and all) for the connection's
        // life; nothing here reads it after connection_init.
        (ctx.extra as { request?: unknown }).request = undefined;
        budgets.set(socket, liveBudget);
        return true;
      },
      onClose: async (ctx) => {
        const connection = connections.get(ctx.extra);
        if (!connection) return;
        connections.delete(ctx.extra);
        connection.expiry.cancel();
        await Promise.all([
          services.presence.disconnected(connection.viewer.id, connection.id),
          positions.flush(),
        ]);
      },
      onSubscribe: async (ctx, id, payload) => {
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
          requestId: connection.requestId,
          socket: ctx.extra.socket,
          params: payload,
          connectionViewer: connection.viewer,
          liveBudget: connection.liveBudget,
          directSink: {
            socket: ctx.extra.socket,
            id,
            viewerKey: `${connection.viewer.id}:${connection.viewer.expiresAt}`,
            observer: observers,
          } satisfies DirectSink,
        });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (error) {
          // Yoga's recipe lets this throw, which closes the whole socket with 4500.
          if (!(error instanceof GraphQLError))
            return [
              new GraphQLError('Syntax Error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
            ];
          // The token limit fails inside the parser but is a validation failure.
          const code = error.extensions.code ?? 'GRAPHQL_PARSE_FAILED';
          return [new GraphQLError(error.message, { extensions: { code } })];
        }
        let errors: readonly GraphQLError[];
        try {
          errors = validate(schema, document);
        } catch (error) {
          // graphql 16's SingleFieldSubscriptionsRule throws (not reports) on a directive
          // whose required variable is missing; uncaught, graphql-ws would close with 4500.
          const message = error instanceof GraphQLError ? error.message : 'Invalid document';
          return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })];
        }
        if (errors.length > 0) {
          return errors.map(
            (error: GraphQLError) =>
              new GraphQLError(error.message, {
                nodes: error.nodes,
                extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' },
              }),
          );
        }
        // graphql-ws would answer this one without a code; the same as over HTTP (Yoga).
        if (!getOperationAST(document, payload.operationName)) {
          return [
            new GraphQLError('Could not determine what operation to execute.', {
              extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
            }),
          ];
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
    // graphql-ws's keep-alive would cut a closing slow consumer short; see heartbeat.ts.
    0,
  );
  const stopKeepAlive = keepAlive(wss, KEEP_ALIVE_MS, (socket) => budgets.get(socket)?.cutOff());

  return {
    close: async () => {
      stopKeepAlive();
      for (const socket of wss.clients) socket.close(1001, 'Going away');
      await disposable.dispose();
    },
  };
}

/** Message types only a server sends. */
const SERVER_MESSAGE_TYPES = new Set(['connection_ack', 'next', 'error']);

/**
 * graphql-ws takes these from a client as valid messages, then throws on them, which closes
 * the socket with 4500. Turned into a non-message here (at the root, key ''; GraphQL names
 * are never empty, so no variable is touched), they are closed with 4400 like any invalid one.
 */
function rejectServerMessages(key: string, value: unknown): unknown {
  if (key !== '' || typeof value !== 'object' || value === null) return value;
  const { type } = value as { type?: unknown };
  return typeof type === 'string' && SERVER_MESSAGE_TYPES.has(type) ? null : value;
}

/**
 * `authorization` from connectionParams, whatever its case: GraphiQL passes its header
 * editor's entries through as they were typed ("Authorization" as often as not).
 */
function authorizationParam(params: Readonly<Record<string, unknown>> | undefined): unknown {
  if (!params) return undefined;
  const key = Object.keys(params).find((name) => name.toLowerCase() === 'authorization');
  return key === undefined ? undefined : params[key];
}
