import { ApolloClient, HttpLink, InMemoryCache, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { fetchExchange, subscriptionExchange, Client as UrqlClient } from '@urql/core';
import { Kind, OperationTypeNode } from 'graphql';
import { ClientError } from 'graphql-request';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './gql/index.js';
import { http, signUp, type TestUser, uniqueName } from './helpers/clients.js';
import { collector } from './helpers/collector.js';
import { type NetworkProxy, startProxy } from './helpers/proxy.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CompatMeDoc = graphql(`
  query CompatMe {
    me {
      id
      name
    }
  }
`);
const CompatCreateRoomDoc = graphql(`
  mutation CompatCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
      name
    }
  }
`);
const CompatSendDoc = graphql(`
  mutation CompatSend($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      id
      seq
      content
    }
  }
`);
const CompatWatchDoc = graphql(`
  subscription CompatWatch($roomId: ID!) {
    roomMessages(roomId: $roomId) {
      id
      seq
      kind
      content
    }
  }
`);

/**
 * graphql-ws as an app would configure it for Apollo or urql: it reconnects by itself,
 * forever, quickly in tests (the default waits seconds, randomised).
 */
function reconnectingWs(proxy: NetworkProxy, user: TestUser): Client {
  return createClient({
    url: proxy.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${user.token}` },
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 20)),
  });
}

function nextConnected(ws: Client): Promise<void> {
  return new Promise((resolve) => {
    const off = ws.on('connected', () => {
      off();
      resolve();
    });
  });
}

describe('real GraphQL clients against the running server', () => {
  let server: TestServer;
  // HTTP and WebSocket both go through the proxy, so a fixed URL survives the restart's new port.
  let proxy: NetworkProxy;
  let user: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startProxy(() => server.wsUrl);
    user = await signUp(server);
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  it('Apollo Client: query, mutation, and a subscription over GraphQLWsLink that survives a restart', async () => {
    const ws = reconnectingWs(proxy, user);
    const link = split(
      ({ query }) => {
        const definition = getMainDefinition(query);
        return (
          definition.kind === Kind.OPERATION_DEFINITION &&
          definition.operation === OperationTypeNode.SUBSCRIPTION
        );
      },
      new GraphQLWsLink(ws),
      new HttpLink({ uri: proxy.httpUrl, headers: { authorization: `Bearer ${user.token}` } }),
    );
    const apollo = new ApolloClient({ link, cache: new InMemoryCache() });
    try {
      const me = await apollo.query({ query: CompatMeDoc });
      expect(me.data?.me.name).toBe(user.name);
      const created = await apollo.mutate({
        mutation: CompatCreateRoomDoc,
        variables: { name: uniqueName('apollo') },
      });
      const roomId = created.data?.createRoom.id ?? '';
      expect(roomId).not.toBe('');

      const seen = collector<string>();
      const subscription = apollo
        .subscribe({ query: CompatWatchDoc, variables: { roomId } })
        .subscribe({ next: (result) => seen.push(result.data?.roomMessages.content ?? '') });
      expect(await seen.until(1)).toEqual([expect.stringContaining('joined')]);
      await apollo.mutate({ mutation: CompatSendDoc, variables: { roomId, content: 'hello' } });
      await seen.until(2);

      const back = nextConnected(ws);
      await server.restart();
      await back;
      await apollo.mutate({ mutation: CompatSendDoc, variables: { roomId, content: 'again' } });
      // Resubscribed without `after`: the server resumed from the stored delivery position.
      expect(await seen.until(3)).toEqual([expect.stringContaining('joined'), 'hello', 'again']);
      subscription.unsubscribe();
    } finally {
      apollo.stop();
      await ws.dispose();
    }
  });

  it('urql: query, mutation, and a subscription over subscriptionExchange that survives a restart', async () => {
    const ws = reconnectingWs(proxy, user);
    const urql = new UrqlClient({
      url: proxy.httpUrl,
      // urql GETs queries by default; a GET needs a CSRF header, a JSON POST does not.
      preferGetMethod: false,
      fetchOptions: { headers: { authorization: `Bearer ${user.token}` } },
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({
              unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink),
            }),
          }),
        }),
      ],
    });
    try {
      const me = await urql.query(CompatMeDoc, {}).toPromise();
      expect(me.error).toBeUndefined();
      expect(me.data?.me.name).toBe(user.name);
      const created = await urql
        .mutation(CompatCreateRoomDoc, { name: uniqueName('urql') })
        .toPromise();
      const roomId = created.data?.createRoom.id ?? '';
      expect(roomId).not.toBe('');

      const seen = collector<string>();
      const subscription = urql
        .subscription(CompatWatchDoc, { roomId })
        .subscribe((result) => seen.push(result.data?.roomMessages.content ?? ''));
      await seen.until(1);
      await urql.mutation(CompatSendDoc, { roomId, content: 'hello' }).toPromise();
      await seen.until(2);

      const back = nextConnected(ws);
      await server.restart();
      await back;
      const sent = await urql.mutation(CompatSendDoc, { roomId, content: 'again' }).toPromise();
      expect(sent.error).toBeUndefined();
      expect(await seen.until(3)).toEqual([expect.stringContaining('joined'), 'hello', 'again']);
      subscription.unsubscribe();
      // Errors come back as urql's CombinedError, with our code.
      const refused = await urql
        .mutation(CompatSendDoc, { roomId: '999999', content: 'x' })
        .toPromise();
      expect(refused.error?.graphQLErrors[0]?.extensions.code).toBe('NOT_FOUND');
    } finally {
      await ws.dispose();
    }
  });

  it('graphql-request: typed query and mutation over plain HTTP, errors with their code', async () => {
    const client = http(server, user.token);
    const { me } = await client.request(CompatMeDoc);
    expect(me.id).toBe(user.id);
    const { createRoom } = await client.request(CompatCreateRoomDoc, { name: uniqueName('gr') });
    const { sendRoomMessage } = await client.request(CompatSendDoc, {
      roomId: createRoom.id,
      content: 'hi',
    });
    expect(sendRoomMessage).toMatchObject({ seq: 2, content: 'hi' });
    const error = await client
      .request(CompatSendDoc, { roomId: createRoom.id, content: '   ' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
