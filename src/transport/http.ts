import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../config.js';
import type { GraphQLContext } from '../graphql/context.js';
import { isExpectedError } from '../graphql/errors.js';
import type { LiveBudget } from '../pubsub/live-budget.js';
import type { Services } from '../services/index.js';
import { bearerToken } from '../services/tokens.js';
import type { Viewer } from '../services/viewer.js';
import { csrfPreventionPlugin } from './csrf.js';
import { directSubscriptionsPlugin } from './direct-subscriptions.js';
import { documentLimitPlugins } from './document-limits.js';
import { jitExecutionPlugin } from './jit-execution.js';
import { maskOperationError } from './masking.js';
import { hiddenSuggestionsPlugins, noIntrospectionPlugin } from './schema-privacy.js';

/** What the transport hands Yoga: the Node request, and for graphql-ws the connection's viewer. */
export interface ServerContext {
  req: IncomingMessage;
  res?: ServerResponse;
  /** Set by the WebSocket transport, which authenticated once at connection_init. */
  connectionViewer?: Viewer;
  /** Set by the WebSocket transport: the connection's budget for unsent live output. */
  liveBudget?: LiveBudget;
}

export type Yoga = YogaServerInstance<ServerContext, GraphQLContext>;

export type HttpOptions = Pick<Config, 'introspection' | 'graphiql' | 'documentLimits'>;

/**
 * Yoga JSON.parses the `variables` and `extensions` of a query string (GET, or a form body)
 * unguarded: bad JSON there became a masked internal error, logged. It is a bad request.
 */
const badParamsAreBadRequests: Plugin<GraphQLContext, ServerContext> = {
  onRequestParse({ requestParser, setRequestParser }) {
    if (!requestParser) return;
    setRequestParser(async (request) => {
      try {
        return await requestParser(request);
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        throw createGraphQLError('variables and extensions must be JSON', {
          extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
        });
      }
    });
  },
};

/** What the composition root adds to the pipeline: operations plugins, the logger, GraphiQL's first tab. */
export interface YogaExtras {
  plugins?: Plugin[];
  log?: { warn: (...args: unknown[]) => void; error: (...args: unknown[]) => void };
  graphiqlDefaultQuery?: string;
}

export function createYogaApp(
  schema: GraphQLSchema,
  services: Services,
  options: HttpOptions,
  extras: YogaExtras = {},
): Yoga {
  const log = extras.log ?? console;
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // One operation per request: a batch would multiply every document limit by its length.
    batching: false,
    plugins: [
      csrfPreventionPlugin(),
      badParamsAreBadRequests,
      ...documentLimitPlugins(options.documentLimits),
      ...hiddenSuggestionsPlugins(),
      ...(options.introspection ? [] : [noIntrospectionPlugin()]),
      ...(extras.plugins ?? []),
      jitExecutionPlugin(),
      directSubscriptionsPlugin(),
    ],
    maskedErrors: { maskError: maskOperationError },
    logging: {
      debug: () => undefined,
      info: () => undefined,
      warn: (...args: unknown[]) => log.warn(...args),
      error: (...args: unknown[]) => {
        if (!args.some(isExpectedError)) log.error(...args);
      },
    },
    graphiql: options.graphiql
      ? {
          subscriptionsProtocol: 'WS',
          title: 'Switchboard',
          defaultQuery: extras.graphiqlDefaultQuery,
        }
      : false,
    context: async (initial): Promise<GraphQLContext> => {
      if ('connectionViewer' in initial)
        return { viewer: initial.connectionViewer, services, liveBudget: initial.liveBudget };
      const token = bearerToken(initial.request.headers.get('authorization'));
      return { viewer: await services.auth.authenticate(token), services };
    },
  });
}

/** Hands a request to Yoga, refusing a body over `maxBodyBytes` with 413 before parsing it. */
export async function handleHttp(
  yoga: Yoga,
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const body =
      Number(req.headers['content-length']) > maxBodyBytes
        ? undefined
        : await readBody(req, maxBodyBytes);
    if (body === undefined) {
      // The rest of the body is discarded unread, so the client gets to read this answer.
      req.resume();
      const message = `request body is over ${maxBodyBytes} bytes`;
      res
        .writeHead(413, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }));
      return;
    }
    // Yoga (whatwg-node) takes an already read body from `req.body` instead of the stream.
    if (body.length > 0) Object.assign(req, { body });
  }
  await yoga.handle(req, res);
}

/** The whole body, or undefined as soon as it is over `maxBytes`. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}
