import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';
import { isExpectedError, maskError } from '../graphql/errors.js';
import type { Services } from '../services/index.js';
import { bearerToken } from '../services/tokens.js';
import type { Viewer } from '../services/viewer.js';

/** What the transport hands Yoga: the Node request, and for graphql-ws the connection's viewer. */
export interface ServerContext {
  req: IncomingMessage;
  res?: ServerResponse;
  /** Set by the WebSocket transport, which authenticated once at connection_init. */
  connectionViewer?: Viewer;
}

export type Yoga = YogaServerInstance<ServerContext, GraphQLContext>;

export function createYogaApp(
  schema: GraphQLSchema,
  services: Services,
  production: boolean,
): Yoga {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    maskedErrors: { maskError },
    logging: {
      debug: () => undefined,
      info: () => undefined,
      warn: (...args: unknown[]) => console.warn(...args),
      error: (...args: unknown[]) => {
        if (!args.some(isExpectedError)) console.error(...args);
      },
    },
    graphiql: production ? false : { subscriptionsProtocol: 'WS', title: 'Switchboard' },
    context: async (initial): Promise<GraphQLContext> => {
      if ('connectionViewer' in initial) return { viewer: initial.connectionViewer, services };
      const token = bearerToken(initial.request.headers.get('authorization'));
      return { viewer: await services.auth.authenticate(token), services };
    },
  });
}
