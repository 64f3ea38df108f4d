import { randomUUID } from 'node:crypto';
import { type GraphQLFormattedError, getIntrospectionQuery } from 'graphql';
import type { Client } from 'graphql-ws';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import {
  connected,
  errorCode,
  expectCode,
  http,
  nextClose,
  SignUpDoc,
  signUp,
  subscribe,
  type TestUser,
  uniqueName,
  wsClient,
} from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const InpRawRoomsDoc = graphql(`
  query InpRawRooms {
    rooms(first: 5) {
      edges {
        node {
          id
        }
      }
    }
  }
`);

const InpRoomPresenceDoc = graphql(`
  subscription InpRoomPresence($roomId: ID) {
    presenceChanged(roomId: $roomId) {
      status
    }
  }
`);

const InpSetPresenceDoc = graphql(`
  mutation InpSetPresence($status: PresenceStatus!) {
    setPresence(status: $status) {
      status
    }
  }
`);

const InpCreateRoomDoc = graphql(`
  mutation InpCreateRoom($name: String!, $maxMembers: Int) {
    createRoom(name: $name, maxMembers: $maxMembers) {
      id
      name
      maxMembers
    }
  }
`);

const InpMyRoomsDoc = graphql(`
  query InpMyRooms {
    myRooms {
      id
    }
  }
`);

const InpRoomsDoc = graphql(`
  query InpRooms($first: Int) {
    rooms(first: $first) {
      edges {
        node {
          id
        }
      }
    }
  }
`);

const InpSendDoc = graphql(`
  mutation InpSend($roomId: ID!, $content: String!, $clientId: String) {
    sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) {
      id
      content
      clientId
    }
  }
`);

const InpHistoryDoc = graphql(`
  query InpHistory($roomId: ID!, $first: Int, $last: Int) {
    roomHistory(roomId: $roomId, first: $first, last: $last) {
      edges {
        node {
          kind
          content
          clientId
          cursor
        }
      }
    }
  }
`);

const InpRoomMessagesDoc = graphql(`
  subscription InpRoomMessages($roomId: ID!, $after: String) {
    roomMessages(roomId: $roomId, after: $after) {
      kind
      content
      cursor
    }
  }
`);

interface HttpAnswer {
  status: number;
  text: string;
  errors: GraphQLFormattedError[];
  data: Record<string, unknown> | null | undefined;
}

/** A raw POST, for documents and bodies that typed clients would not send. */
async function post(server: TestServer, body: unknown, token?: string): Promise<HttpAnswer> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: { errors?: GraphQLFormattedError[]; data?: Record<string, unknown> | null } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // Not JSON: `text` is still checked by the caller.
  }
  return { status: response.status, text, errors: parsed.errors ?? [], data: parsed.data };
}

/** No stack frame, source path, or SQL in what a client was sent. */
/** A subscription that ended in an internal failure, masked: no storage detail in it. */
async function expectMaskedEnd(ended: Promise<unknown>, internals: RegExp): Promise<void> {
  const failure = await ended.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(errorCode(failure)).toBe('INTERNAL_SERVER_ERROR');
  const text = JSON.stringify(failure);
  expect(text).toContain('Unexpected error.');
  expectNothingInternal(text);
  expect(text).not.toMatch(internals);
}

function expectNothingInternal(text: string): void {
  expect(text).not.toMatch(/\bat .*:\d+:\d+/);
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toContain('/work');
  expect(text).not.toContain('node_modules');
  expect(text).not.toContain(process.cwd());
  expect(text).not.toMatch(/\b(select|insert|update)\b.*\b(from|into|set)\b/i);
  expect(text).not.toMatch(/sqlite/i);
}

/** `{ me { presence { user { ... } } } }` exactly `depth` fields deep. */
function nested(depth: number): string {
  let open = '';
  let close = '';
  // Level 1 is `me` (a User); even levels are `presence`, odd ones `user`.
  for (let level = 1; level < depth; level++) {
    open += `${level === 1 ? 'me' : level % 2 === 0 ? 'presence' : 'user'} { `;
    close += ' }';
  }
  const leaf = (depth - 1) % 2 === 1 ? 'id' : 'status';
  return `{ ${open}${leaf}${close} }`;
}

/** `{ a0: __typename ... }` with `count` aliases. */
function aliased(count: number): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: __typename`).join(' ')} }`;
}

/** A document of exactly `tokens` lexical tokens: `{ presence(userIds: [..]) { status } }`. */
function tokens(count: number): string {
  const ids = Array.from({ length: count - 12 }, (_, i) => `"x${i}"`);
  return `{ presence(userIds: [${ids.join(' ')}]) { status } }`;
}

type WsOutcome =
  | { kind: 'result'; data: unknown; errors: readonly GraphQLFormattedError[] | undefined }
  | { kind: 'errors'; errors: readonly GraphQLFormattedError[] }
  | { kind: 'failed'; error: unknown };

/** One raw operation over graphql-ws, settled by its first result, error or failure. */
function runWs(client: Client, query: string, variables?: Record<string, unknown>) {
  return new Promise<WsOutcome>((resolve) => {
    const dispose = client.subscribe(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (result) => {
          resolve({ kind: 'result', data: result.data, errors: result.errors });
          dispose();
        },
        error: (error) =>
          resolve(
            Array.isArray(error)
              ? { kind: 'errors', errors: error as GraphQLFormattedError[] }
              : { kind: 'failed', error },
          ),
        complete: () => resolve({ kind: 'failed', error: new Error('completed without result') }),
      },
    );
  });
}

/** Counts a client's connects and closes, to show that a socket stayed open. */
function track(client: Client): { connects: number; closes: number } {
  const counts = { connects: 0, closes: 0 };
  client.on('connected', () => {
    counts.connects += 1;
  });
  client.on('closed', () => {
    counts.closes += 1;
  });
  return counts;
}

describe('input limits and errors', () => {
  let server: TestServer;
  /** Small limits: 10-character messages, 2 connections per user, 2 subscriptions each. */
  let small: TestServer;
  beforeAll(async () => {
    [server, small] = await Promise.all([
      startTestServer(),
      startTestServer({
        MAX_MESSAGE_LENGTH: '10',
        MAX_CONNECTIONS_PER_USER: '2',
        MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
      }),
    ]);
  });
  afterAll(() => Promise.all([server?.close(), small?.close()]));

  async function historyOf(user: TestUser, roomId: string) {
    const { roomHistory } = await user.http.request(InpHistoryDoc, { roomId, last: 100 });
    return roomHistory.edges.map((edge) => edge.node);
  }

  it('user names: up to 32 letters, digits, "_", "-" and "."; nothing else', async () => {
    const suffix = randomUUID().replaceAll('-', '');
    const longest = `a_b-c.${suffix}`.slice(0, 32);
    expect(longest).toHaveLength(32);
    expect((await signUp(server, longest)).name).toBe(longest);
    const dotted = `.x-_.${suffix.slice(0, 8)}`;
    expect((await signUp(server, dotted)).name).toBe(dotted);

    for (const name of ['a@b', 'ünï', 'a/b', 'tab\tname', `${'x'.repeat(31)}é`, '😀']) {
      await expectCode(signUp(server, name), 'BAD_USER_INPUT');
    }
    // A refused sign-up takes nothing: the name is still free afterwards.
    const name = uniqueName();
    await expectCode(
      http(server).request(SignUpDoc, { name, password: 'short' }),
      'BAD_USER_INPUT',
    );
    expect((await signUp(server, name)).name).toBe(name);
  });

  it('passwords: 8 to 256 characters', async () => {
    for (const password of ['p'.repeat(7), 'p'.repeat(257)]) {
      await expectCode(
        http(server).request(SignUpDoc, { name: uniqueName(), password }),
        'BAD_USER_INPUT',
      );
    }
    for (const password of ['p'.repeat(8), 'p'.repeat(256)]) {
      const { signUp: ok } = await http(server).request(SignUpDoc, {
        name: uniqueName(),
        password,
      });
      expect(ok.token).toEqual(expect.any(String));
    }
  });

  it('room names: 1-100 characters after trimming; maxMembers 2-10000', async () => {
    const alice = await signUp(server);
    const refused: { name: string; maxMembers?: number }[] = [
      { name: '' },
      { name: '   ' },
      { name: 'r'.repeat(101) },
      { name: ` ${'r'.repeat(101)} ` },
      { name: 'ok', maxMembers: 1 },
      { name: 'ok', maxMembers: 0 },
      { name: 'ok', maxMembers: 10_001 },
    ];
    for (const variables of refused) {
      await expectCode(alice.http.request(InpCreateRoomDoc, variables), 'BAD_USER_INPUT');
    }
    expect((await alice.http.request(InpMyRoomsDoc)).myRooms).toEqual([]);

    const longest = await alice.http.request(InpCreateRoomDoc, {
      name: `  ${'r'.repeat(100)}\t `,
      maxMembers: 2,
    });
    expect(longest.createRoom).toMatchObject({ name: 'r'.repeat(100), maxMembers: 2 });
    const widest = await alice.http.request(InpCreateRoomDoc, { name: 'x', maxMembers: 10_000 });
    expect(widest.createRoom).toMatchObject({ name: 'x', maxMembers: 10_000 });
    const plain = await alice.http.request(InpCreateRoomDoc, { name: 'default size' });
    expect(plain.createRoom.maxMembers).toBe(100);
    expect((await alice.http.request(InpMyRoomsDoc)).myRooms).toHaveLength(3);
  });

  it('message content: 1-4000 characters after trimming, stored trimmed; clientId up to 64', async () => {
    const alice = await signUp(server);
    const { createRoom: room } = await alice.http.request(InpCreateRoomDoc, { name: 'limits' });
    const before = await historyOf(alice, room.id);
    expect(before).toHaveLength(1);

    const refused: { content: string; clientId?: string }[] = [
      { content: '' },
      { content: ' \n\t  ' },
      { content: 'a'.repeat(4001) },
      { content: ` ${'a'.repeat(4001)} ` },
      { content: 'fine', clientId: 'c'.repeat(65) },
    ];
    for (const variables of refused) {
      await expectCode(
        alice.http.request(InpSendDoc, { roomId: room.id, ...variables }),
        'BAD_USER_INPUT',
      );
    }
    expect(await historyOf(alice, room.id)).toEqual(before);

    const trimmed = await alice.http.request(InpSendDoc, {
      roomId: room.id,
      content: '  \n hello there \t ',
    });
    expect(trimmed.sendRoomMessage.content).toBe('hello there');
    const longest = await alice.http.request(InpSendDoc, {
      roomId: room.id,
      content: ` ${'a'.repeat(4000)} `,
      clientId: 'c'.repeat(64),
    });
    expect(longest.sendRoomMessage).toMatchObject({
      content: 'a'.repeat(4000),
      clientId: 'c'.repeat(64),
    });
    const after = await historyOf(alice, room.id);
    expect(after.slice(1).map((m) => m.content)).toEqual(['hello there', 'a'.repeat(4000)]);
  });

  it('MAX_MESSAGE_LENGTH counts code points, not UTF-16 units', async () => {
    const alice = await signUp(small);
    const { createRoom: room } = await alice.http.request(InpCreateRoomDoc, { name: 'emoji' });
    const ten = '😀'.repeat(10);
    expect(ten).toHaveLength(20);
    const sent = await alice.http.request(InpSendDoc, { roomId: room.id, content: ` ${ten} ` });
    expect(sent.sendRoomMessage.content).toBe(ten);
    await expectCode(
      alice.http.request(InpSendDoc, { roomId: room.id, content: '😀'.repeat(11) }),
      'BAD_USER_INPUT',
    );
    await expectCode(
      alice.http.request(InpSendDoc, { roomId: room.id, content: 'a'.repeat(11) }),
      'BAD_USER_INPUT',
    );
    expect((await historyOf(alice, room.id)).map((m) => m.content).slice(1)).toEqual([ten]);
  });

  it('page sizes: first and last from 1 to 100', async () => {
    const alice = await signUp(server);
    const { createRoom: room } = await alice.http.request(InpCreateRoomDoc, { name: 'pages' });
    const refused: { first?: number; last?: number }[] = [
      { first: 0 },
      { first: 101 },
      { last: 0 },
      { last: 101 },
      { first: -1 },
    ];
    for (const page of refused) {
      await expectCode(
        alice.http.request(InpHistoryDoc, { roomId: room.id, ...page }),
        'BAD_USER_INPUT',
      );
    }
    await expectCode(alice.http.request(InpRoomsDoc, { first: 0 }), 'BAD_USER_INPUT');
    await expectCode(alice.http.request(InpRoomsDoc, { first: 101 }), 'BAD_USER_INPUT');
    const accepted: { first?: number; last?: number }[] = [
      { first: 1 },
      { first: 100 },
      { last: 1 },
      { last: 100 },
    ];
    for (const page of accepted) {
      const { roomHistory } = await alice.http.request(InpHistoryDoc, {
        roomId: room.id,
        ...page,
      });
      expect(roomHistory.edges).toHaveLength(1);
    }
    const { rooms } = await alice.http.request(InpRoomsDoc, { first: 100 });
    expect(rooms.edges.length).toBeGreaterThan(0);
  });

  it('RATE_LIMITED with retryAfterMs once the burst is spent; the refused send is not stored', async () => {
    const limited = await startTestServer({ SEND_BURST: '2', SEND_RATE_PER_SECOND: '1' });
    try {
      const alice = await signUp(limited);
      const { createRoom: room } = await alice.http.request(InpCreateRoomDoc, { name: 'rate' });
      await alice.http.request(InpSendDoc, { roomId: room.id, content: 'one' });
      await alice.http.request(InpSendDoc, { roomId: room.id, content: 'two' });
      const error = await expectCode(
        alice.http.request(InpSendDoc, { roomId: room.id, content: 'three', clientId: 'c3' }),
        'RATE_LIMITED',
      );
      const retryAfterMs = (error as { response: { errors: GraphQLFormattedError[] } }).response
        .errors[0]?.extensions?.retryAfterMs;
      expect(retryAfterMs).toEqual(expect.any(Number));
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(1000);
      const history = await historyOf(alice, room.id);
      expect(history.map((m) => m.content).slice(1)).toEqual(['one', 'two']);
      expect(history.some((m) => m.clientId === 'c3')).toBe(false);
    } finally {
      await limited.close();
    }
  });

  it('MAX_CONNECTIONS_PER_USER: one more is closed with 4029, the others keep working', async () => {
    const alice = await signUp(small);
    const { createRoom: room } = await alice.http.request(InpCreateRoomDoc, { name: 'conns' });
    const first = wsClient(small, alice.token, { lazy: false });
    const second = wsClient(small, alice.token, { lazy: false });
    await Promise.all([connected(first), connected(second)]);
    const firstCounts = track(first);
    const secondCounts = track(second);

    const third = wsClient(small, alice.token, { lazy: false });
    expect(await nextClose(third)).toBe(4029);
    await third.dispose();

    // Both earlier connections still subscribe and receive. From an explicit cursor each
    // gets the message whether it is sent before or after the subscription is running.
    const [joined] = await historyOf(alice, room.id);
    const subs = [first, second].map((client) =>
      subscribe(client, InpRoomMessagesDoc, { roomId: room.id, after: joined?.cursor ?? null }),
    );
    await alice.http.request(InpSendDoc, { roomId: room.id, content: 'still here' });
    for (const sub of subs) {
      expect((await sub.take(1))[0]?.roomMessages.content).toBe('still here');
    }
    expect([firstCounts, secondCounts]).toEqual([
      { connects: 0, closes: 0 },
      { connects: 0, closes: 0 },
    ]);
    for (const sub of subs) sub.dispose();
    await first.dispose();
    await second.dispose();
  });

  it('MAX_SUBSCRIPTIONS_PER_CONNECTION: one more gets FORBIDDEN, the socket stays open', async () => {
    const alice = await signUp(small);
    const rooms = await Promise.all(
      ['subs one', 'subs two'].map(async (name) => {
        const { createRoom } = await alice.http.request(InpCreateRoomDoc, { name });
        return createRoom.id;
      }),
    );
    const client = wsClient(small, alice.token, { lazy: false });
    await connected(client);
    const counts = track(client);

    const subs = rooms.map((roomId) => subscribe(client, InpRoomMessagesDoc, { roomId }));
    // Each is running once its replay came: both slots are taken.
    const joined = await Promise.all(subs.map(async (sub) => (await sub.take(1))[0]));
    const extra = subscribe(client, InpRoomMessagesDoc, { roomId: rooms[0] as string });
    const refusal = await extra.ended.then(
      () => new Error('completed instead of failing'),
      (error: unknown) => error,
    );
    expect(errorCode(refusal)).toBe('FORBIDDEN');

    for (const [i, roomId] of rooms.entries()) {
      await alice.http.request(InpSendDoc, { roomId, content: `live ${i}` });
    }
    for (const [i, sub] of subs.entries()) {
      expect((await sub.take(1))[0]?.roomMessages.content).toBe(`live ${i}`);
    }

    // A freed slot can be used again on the same socket.
    subs[0]?.dispose();
    const again = subscribe(client, InpRoomMessagesDoc, {
      roomId: rooms[0] as string,
      after: joined[0]?.roomMessages.cursor ?? null,
    });
    expect((await again.take(1))[0]?.roomMessages.content).toBe('live 0');
    expect(counts).toEqual({ connects: 0, closes: 0 });
    again.dispose();
    subs[1]?.dispose();
    await client.dispose();
  });

  it('needs a token for operations, but not for __typename or introspection', async () => {
    await expectCode(http(server).request(InpRoomsDoc, {}), 'UNAUTHENTICATED');
    await expectCode(http(server).request(InpCreateRoomDoc, { name: 'nope' }), 'UNAUTHENTICATED');
    const typename = await post(server, { query: '{ __typename }' });
    expect(typename.data).toEqual({ __typename: 'Query' });
    // The full introspection query is deeper than 12: introspection is exempt.
    const introspection = await post(server, { query: getIntrospectionQuery() });
    expect(introspection.errors).toEqual([]);
    const schema = (introspection.data as { __schema: { queryType: { name: string } } }).__schema;
    expect(schema.queryType.name).toBe('Query');
  });

  it('HTTP: parse and validation failures, and the document limits', async () => {
    const alice = await signUp(server);
    const cases: [string, string][] = [
      ['{ me { id }', 'GRAPHQL_PARSE_FAILED'],
      ['query { me { id } } }', 'GRAPHQL_PARSE_FAILED'],
      ['{ nope }', 'GRAPHQL_VALIDATION_FAILED'],
      [nested(13), 'GRAPHQL_VALIDATION_FAILED'],
      [aliased(51), 'GRAPHQL_VALIDATION_FAILED'],
      [tokens(1001), 'GRAPHQL_VALIDATION_FAILED'],
    ];
    for (const [query, code] of cases) {
      // With a valid token too: these fail before anything runs.
      const answer = await post(server, { query }, alice.token);
      expect(answer.errors[0]?.extensions?.code, query.slice(0, 40)).toBe(code);
      expect(answer.data ?? null).toBeNull();
      expectNothingInternal(answer.text);
    }

    // Right at each limit, the document runs.
    const deepest = await post(server, { query: nested(12) }, alice.token);
    expect(deepest.errors).toEqual([]);
    expect(deepest.data).toHaveProperty('me');
    const aliases = await post(server, { query: aliased(50) });
    expect(aliases.errors).toEqual([]);
    expect(Object.keys(aliases.data ?? {})).toHaveLength(50);
    const longest = await post(server, { query: tokens(1000) }, alice.token);
    expect(longest.errors).toEqual([]);
    expect(longest.data).toEqual({ presence: [] });
  });

  it('graphql-ws: bad documents get an error message and the socket stays open', async () => {
    const alice = await signUp(server);
    const client = wsClient(server, alice.token, { lazy: false });
    const counts = track(client);
    await connected(client);
    // A subscription already running on the socket must outlive every bad document.
    const { createRoom } = await alice.http.request(InpCreateRoomDoc, { name: uniqueName('room') });
    const watching = subscribe(client, InpRoomMessagesDoc, { roomId: createRoom.id });
    expect((await watching.take(1))[0]?.roomMessages.kind).toBe('SYSTEM');

    const cases: [string, string][] = [
      ['subscription { presenceChanged { status }', 'GRAPHQL_PARSE_FAILED'],
      ['subscription { nope }', 'GRAPHQL_VALIDATION_FAILED'],
      // graphql 16's validation throws on this one instead of reporting it (found by fuzzing).
      [
        'subscription ($nope: Boolean!) { presenceChanged @include(if: $nope) { status } }',
        'GRAPHQL_VALIDATION_FAILED',
      ],
      [nested(13), 'GRAPHQL_VALIDATION_FAILED'],
      [aliased(51), 'GRAPHQL_VALIDATION_FAILED'],
      [tokens(1001), 'GRAPHQL_VALIDATION_FAILED'],
    ];
    for (const [query, code] of cases) {
      const outcome = await runWs(client, query);
      expect(outcome.kind, query.slice(0, 40)).toBe('errors');
      if (outcome.kind !== 'errors') continue;
      expect(outcome.errors[0]?.extensions?.code, query.slice(0, 40)).toBe(code);
      expectNothingInternal(JSON.stringify(outcome.errors));
    }

    // The same socket still runs operations.
    const me = await runWs(client, nested(12));
    expect(me).toMatchObject({ kind: 'result', errors: undefined });
    expect(me.kind === 'result' && me.data).toHaveProperty('me');
    await alice.http.request(InpSendDoc, { roomId: createRoom.id, content: 'still here' });
    expect((await watching.take(1))[0]?.roomMessages.content).toBe('still here');
    expect(counts).toEqual({ connects: 1, closes: 0 });
    await client.dispose();
  });

  it('bodies over 1 MiB get 413; graphql-ws messages over 64 KiB close the socket with 1009', async () => {
    const alice = await signUp(server);
    const justUnder = await post(server, {
      query: '{ __typename }',
      extensions: { pad: 'x'.repeat(1024 * 1024 - 100) },
    });
    expect(justUnder.status).toBe(200);
    expect(justUnder.data).toEqual({ __typename: 'Query' });
    const over = await post(server, {
      query: '{ __typename }',
      extensions: { pad: 'x'.repeat(1024 * 1024) },
    });
    expect(over.status).toBe(413);
    expectNothingInternal(over.text);

    // Without a content-length (chunked), the limit holds while the body streams in.
    const chunked = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
          controller.enqueue(new TextEncoder().encode('{"query": "{ __typename }", "pad": "'));
          for (let i = 0; i < 20; i += 1) controller.enqueue(chunk);
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expectNothingInternal(await chunked.text());

    const client = wsClient(server, alice.token, { lazy: false });
    const bystander = wsClient(server, alice.token, { lazy: false });
    await Promise.all([connected(client), connected(bystander)]);
    const { createRoom } = await alice.http.request(InpCreateRoomDoc, { name: uniqueName('room') });
    const watching = subscribe(bystander, InpRoomMessagesDoc, { roomId: createRoom.id });
    await watching.take(1);
    const near = await runWs(client, '{ __typename }', { pad: 'x'.repeat(60 * 1024) });
    expect(near).toMatchObject({ kind: 'result', data: { __typename: 'Query' } });
    const closed = nextClose(client);
    void runWs(client, '{ __typename }', { pad: 'x'.repeat(64 * 1024) });
    expect(await closed).toBe(1009);
    // Only that socket: another connection of the same user keeps its subscription.
    await alice.http.request(InpSendDoc, { roomId: createRoom.id, content: 'after the 1009' });
    expect((await watching.take(1))[0]?.roomMessages.content).toBe('after the 1009');
    await client.dispose();
    await bystander.dispose();
  });

  it('no stack, SQL or path reaches a client', async () => {
    const alice = await signUp(server);
    const answers = [
      await post(server, '{"query": '),
      await post(server, { query: '{ me { id } }' }),
      await post(server, { query: 'query ($id: ID!) { room(id: $id) { id } }', variables: {} }),
      await post(
        server,
        { query: 'query ($id: ID!) { room(id: $id) { id } }', variables: { id: { a: 1 } } },
        alice.token,
      ),
      await post(
        server,
        { query: '{ roomHistory(roomId: "1", after: "garbage") { edges { cursor } } }' },
        alice.token,
      ),
      await post(
        server,
        { query: '{ roomHistory(roomId: "99999999999999999999") { edges { cursor } } }' },
        alice.token,
      ),
    ];
    for (const answer of answers) {
      expect(answer.errors.length, answer.text).toBeGreaterThan(0);
      expectNothingInternal(answer.text);
    }
  });

  it('masks an unexpected failure as INTERNAL_SERVER_ERROR, over HTTP and graphql-ws', async () => {
    const own = await startTestServer();
    try {
      const alice = await signUp(own);
      // Break storage under the running server, as a failing disk or a bad migration would.
      const raw = own.openDb();
      await sql`ALTER TABLE rooms RENAME TO rooms_broken`.execute(raw);
      await raw.destroy();
      const query = '{ rooms(first: 5) { edges { node { id } } } }';

      const answer = await post(own, { query }, alice.token);
      expect(answer.errors[0]).toMatchObject({
        message: 'Unexpected error.',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
      expectNothingInternal(answer.text);
      expect(answer.text).not.toMatch(/rooms_broken|no such table|does not exist/);

      const client = wsClient(own, alice.token);
      await expectMaskedEnd(
        subscribe(client, InpRawRoomsDoc, {}).ended,
        /rooms_broken|no such table|does not exist/,
      );
      await client.dispose();
    } finally {
      await own.close();
    }
  });

  it('masks the failure of a subscription already live, over graphql-ws', async () => {
    const own = await startTestServer();
    try {
      const alice = await signUp(own);
      const { createRoom } = await alice.http.request(InpCreateRoomDoc, { name: uniqueName() });
      const client = wsClient(own, alice.token);
      const watching = subscribe(client, InpRoomPresenceDoc, { roomId: createRoom.id });
      // Live once a change of alice's own presence reaches it. Which change that was does
      // not matter: her status now is the last one set.
      let lastSet: 'AWAY' | 'ONLINE' = 'ONLINE';
      for (let round = 0; watching.received.length === 0; round += 1) {
        if (round === 1000) throw new Error('the presence subscription never got live');
        lastSet = round % 2 === 0 ? 'AWAY' : 'ONLINE';
        await alice.http.request(InpSetPresenceDoc, { status: lastSet });
      }
      // Each change is filtered by room membership: break that table under the live stream.
      const raw = own.openDb();
      await sql`ALTER TABLE memberships RENAME TO memberships_broken`.execute(raw);
      await raw.destroy();
      // A change (not a repeat of the last status) is an event, filtered through the table.
      await alice.http.request(InpSetPresenceDoc, {
        status: lastSet === 'AWAY' ? 'ONLINE' : 'AWAY',
      });
      await expectMaskedEnd(watching.ended, /memberships|no such table|does not exist/);
      await client.dispose();
    } finally {
      await own.close();
    }
  });
});
