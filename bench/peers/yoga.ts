/**
 * Peer: plain graphql-yoga + graphql-ws + Yoga's createPubSub, the same roomMessages and
 * sendRoomMessage as Switchboard's, with no persistence and no auth.
 */
import { createServer } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createPubSub, createSchema, createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { type ChatMessage, portArgument } from '../lib/chat.js';

const pubSub = createPubSub<Record<string, [ChatMessage]>>();
const seqs = new Map<string, number>();
let nextId = 1;

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    type User { id: ID! name: String! }
    type Message {
      id: ID! seq: Int! cursor: String! content: String! clientId: String
      createdAt: String! sender: User!
    }
    type Query { ok: Boolean! }
    type Mutation { sendRoomMessage(roomId: ID!, content: String!, clientId: String): Message! }
    type Subscription { roomMessages(roomId: ID!, after: String): Message! }
  `,
  resolvers: {
    Query: { ok: () => true },
    Mutation: {
      sendRoomMessage: (
        _: unknown,
        args: { roomId: string; content: string; clientId?: string | null },
      ) => {
        const seq = (seqs.get(args.roomId) ?? 0) + 1;
        seqs.set(args.roomId, seq);
        const message: ChatMessage = {
          id: String(nextId++),
          seq,
          cursor: `${args.roomId}:${seq}`,
          content: args.content,
          clientId: args.clientId ?? null,
          createdAt: new Date().toISOString(),
          sender: { id: '1', name: 'sender' },
        };
        pubSub.publish(`room:${args.roomId}`, message);
        return message;
      },
    },
    Subscription: {
      roomMessages: {
        subscribe: (_: unknown, args: { roomId: string }) =>
          pubSub.subscribe(`room:${args.roomId}`),
        resolve: (message: ChatMessage) => message,
      },
    },
  },
});

const yoga = createYoga({ schema, graphiql: false, logging: false });
const http = createServer(yoga);
const wss = new WebSocketServer({ server: http, path: yoga.graphqlEndpoint });

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

// Yoga's documented graphql-ws recipe: each operation goes through Yoga's envelop.
useServer(
  {
    execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
    subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
    onSubscribe: async (ctx, _id, params) => {
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        ...ctx,
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params,
      });
      const args = {
        schema,
        operationName: params.operationName,
        document: parse(params.query),
        variableValues: params.variables,
        contextValue: await contextFactory(),
        rootValue: { execute, subscribe },
      };
      const errors = validate(args.schema, args.document);
      if (errors.length) return errors;
      return args;
    },
  },
  wss,
);
http.listen(portArgument(process.argv), '127.0.0.1', () => console.log('ready'));
