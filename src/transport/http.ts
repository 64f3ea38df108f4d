import type { IncomingMessage, ServerResponse } from 'node:http';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError, GraphQLSchema, ValidationContext } from 'graphql';
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';
import { isExpectedError, maskError } from '../graphql/errors.js';
import type { LiveBudget } from '../pubsub/live-budget.js';
import type { Services } from '../services/index.js';
import { bearerToken } from '../services/tokens.js';
import type { Viewer } from '../services/viewer.js';

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

/** Document limits (SEMANTICS.md "Input limits"); introspection is exempt from depth. */
export const DOCUMENT_LIMITS = { depth: 12, aliases: 50, tokens: 1000 } as const;

/** Every limit is a validation failure, whether found while parsing or validating. */
function asValidationError(context: ValidationContext | null, error: GraphQLError): void {
  (error.extensions as Record<string, unknown>).code = 'GRAPHQL_VALIDATION_FAILED';
  // Reported, not thrown, so that validation answers with it like with any other rule.
  context?.reportError(error);
}

const documentLimits = [
  // The token limit runs inside the parser, so a huge document is never built; it throws.
  maxTokensPlugin({ n: DOCUMENT_LIMITS.tokens, onReject: [asValidationError] }),
  maxDepthPlugin({
    n: DOCUMENT_LIMITS.depth,
    ignoreIntrospection: true,
    propagateOnRejection: false,
    onReject: [asValidationError],
  }),
  maxAliasesPlugin({
    n: DOCUMENT_LIMITS.aliases,
    // Every alias counts, also of __typename (the plugin's default lets those through).
    allowList: [],
    propagateOnRejection: false,
    onReject: [asValidationError],
  }),
];

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
  production: boolean,
  extras: YogaExtras = {},
): Yoga {
  const log = extras.log ?? console;
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    plugins: [...documentLimits, badParamsAreBadRequests, ...(extras.plugins ?? [])],
    maskedErrors: { maskError },
    logging: {
      debug: () => undefined,
      info: () => undefined,
      warn: (...args: unknown[]) => log.warn(...args),
      error: (...args: unknown[]) => {
        if (!args.some(isExpectedError)) log.error(...args);
      },
    },
    graphiql: production
      ? false
      : {
          subscriptionsProtocol: 'WS',
          title: 'Switchboard',
          defaultQuery: extras.graphiqlDefaultQuery,
        },
    context: async (initial): Promise<GraphQLContext> => {
      if ('connectionViewer' in initial)
        return { viewer: initial.connectionViewer, services, liveBudget: initial.liveBudget };
      const token = bearerToken(initial.request.headers.get('authorization'));
      return { viewer: await services.auth.authenticate(token), services };
    },
  });
}

/** Request bodies are read whole before Yoga sees them: at most this many bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Hands a request to Yoga, refusing a body over MAX_BODY_BYTES with 413 before parsing it. */
export async function handleHttp(
  yoga: Yoga,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const body =
      Number(req.headers['content-length']) > MAX_BODY_BYTES ? undefined : await readBody(req);
    if (body === undefined) {
      // The rest of the body is discarded unread, so the client gets to read this answer.
      req.resume();
      res.writeHead(413, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          errors: [{ message: 'request body is over 1 MiB', extensions: { code: 'BAD_REQUEST' } }],
        }),
      );
      return;
    }
    // Yoga (whatwg-node) takes an already read body from `req.body` instead of the stream.
    if (body.length > 0) Object.assign(req, { body });
  }
  await yoga.handle(req, res);
}

/** The whole body, or undefined as soon as it is over MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}
