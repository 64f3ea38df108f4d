import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './gql/index.js';
import { signUp, type TestUser } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/*
 * Property-based fuzzing of both transports: random and mutated documents, variables,
 * cursors, request bodies and raw graphql-ws frames. Whatever comes in, the server answers
 * below 500, with documented error codes only, leaks nothing internal, never closes a
 * socket with 4500/1011, and stays healthy. On failure fast-check prints the seed and the
 * shrunk counterexample; rerun with `fc.assert(..., { seed, path })` to reproduce.
 */

const FuzzMeDoc = graphql(`
  query FuzzMe {
    me {
      id
      name
    }
  }
`);

const FuzzCreateRoomDoc = graphql(`
  mutation FuzzCreateRoom($name: String!, $isPrivate: Boolean) {
    createRoom(name: $name, isPrivate: $isPrivate) {
      id
    }
  }
`);

const FuzzJoinDoc = graphql(`
  mutation FuzzJoin($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
    }
  }
`);

const FuzzSendRoomDoc = graphql(`
  mutation FuzzSendRoom($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      cursor
    }
  }
`);

const FuzzSendDirectDoc = graphql(`
  mutation FuzzSendDirect($toUserId: ID!, $content: String!) {
    sendDirectMessage(toUserId: $toUserId, content: $content) {
      cursor
    }
  }
`);

const FuzzBroadcastDoc = graphql(`
  mutation FuzzBroadcast($content: String!) {
    broadcast(content: $content) {
      cursor
    }
  }
`);

const FuzzRoomsDoc = graphql(`
  query FuzzRooms {
    rooms(first: 100) {
      edges {
        cursor
      }
    }
  }
`);

/** SEMANTICS.md's codes, plus Yoga's own for requests that are not GraphQL requests at all. */
const ALLOWED_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'ROOM_FULL',
  'RATE_LIMITED',
  'CURSOR_EXPIRED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  // Yoga: malformed HTTP request (bad JSON body, wrong method, no query, ...).
  'BAD_REQUEST',
  // Yoga (and Apollo): several operations and no (or an unknown) operationName.
  'OPERATION_RESOLUTION_FAILURE',
]);
/*
 * Not allowed: INTERNAL_SERVER_ERROR. It is masked (errors.ts answers 'Unexpected error.'),
 * but every request here is a client's doing, which must be answered as such, not as a
 * server fault (a GET with `variables=%7Bbad` used to be one).
 */

/** graphql-ws's protocol codes, 1009 (message over 64 KiB) and ours (4029, 4413). */
const ALLOWED_CLOSE_CODES = new Set([
  1000, 1001, 1009, 4400, 4401, 4403, 4406, 4408, 4409, 4413, 4429, 4029,
]);

/** Marks of an internal error reaching a client: a stack, SQL, a source path. */
const LEAK_MARKERS = [
  / {4}at /,
  /SQLITE/,
  // PostgreSQL's own wording.
  /violates \w+ constraint|syntax error at or near|relation "\w+" does not exist/,
  // SQL, not graphql-js's "must select only one top level field".
  /\bselect\s+[\w`*.,\s]+?\s+from\s/i,
  /\binsert\s+into\b/i,
  /\/work\//,
  /node_modules/,
  /\.ts:\d/,
];

/** Fails if `received` shows a leak marker that was not already in what the client sent. */
function expectNoLeak(received: string, sent: string): void {
  for (const marker of LEAK_MARKERS) {
    if (marker.test(received) && !marker.test(sent)) {
      expect.fail(`leaked ${marker} in: ${received.slice(0, 2000)}`);
    }
  }
}

function expectGoodError(error: unknown): void {
  const { message, extensions } = (error ?? {}) as {
    message?: unknown;
    extensions?: { code?: unknown };
  };
  const code = extensions?.code;
  expect(typeof message, JSON.stringify(error)).toBe('string');
  expect(ALLOWED_CODES.has(String(code)), `error code of ${JSON.stringify(error)}`).toBe(true);
}

function expectGoodErrors(errors: unknown): void {
  if (errors === undefined) return;
  expect(Array.isArray(errors), JSON.stringify(errors)).toBe(true);
  for (const error of errors as unknown[]) expectGoodError(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// Fixtures: users, rooms, and cursors of every kind of stream.

interface Fixtures {
  /** The fuzzing user: a member of the public room, with direct messages with bob. */
  mallory: TestUser;
  /** Users that open graphql-ws connections, a few so as to stay under the per-user limit. */
  wsUsers: TestUser[];
  admin: TestUser;
  bob: TestUser;
  publicRoomId: string;
  privateRoomId: string;
  cursors: {
    room: string[];
    privateRoom: string[];
    inbox: string[];
    broadcast: string[];
    rooms: string[];
  };
}

async function makeFixtures(server: TestServer): Promise<Fixtures> {
  const admin = await signUp(server, 'fuzz_admin');
  const [mallory, bob, ...wsUsers] = await Promise.all(
    Array.from({ length: 5 }, () => signUp(server)),
  );
  if (!mallory || !bob) throw new Error('sign-up failed');
  const { createRoom: publicRoom } = await admin.http.request(FuzzCreateRoomDoc, {
    name: 'fuzz public',
  });
  const { createRoom: privateRoom } = await bob.http.request(FuzzCreateRoomDoc, {
    name: 'fuzz private',
    isPrivate: true,
  });
  await mallory.http.request(FuzzJoinDoc, { roomId: publicRoom.id });
  const room: string[] = [];
  const privateCursors: string[] = [];
  const inbox: string[] = [];
  const broadcast: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    room.push(
      (await mallory.http.request(FuzzSendRoomDoc, { roomId: publicRoom.id, content: `r${i}` }))
        .sendRoomMessage.cursor,
    );
    privateCursors.push(
      (await bob.http.request(FuzzSendRoomDoc, { roomId: privateRoom.id, content: `p${i}` }))
        .sendRoomMessage.cursor,
    );
    inbox.push(
      (await mallory.http.request(FuzzSendDirectDoc, { toUserId: bob.id, content: `d${i}` }))
        .sendDirectMessage.cursor,
    );
    broadcast.push(
      (await admin.http.request(FuzzBroadcastDoc, { content: `b${i}` })).broadcast.cursor,
    );
  }
  const { rooms } = await mallory.http.request(FuzzRoomsDoc);
  return {
    mallory,
    wsUsers,
    admin,
    bob,
    publicRoomId: publicRoom.id,
    privateRoomId: privateRoom.id,
    cursors: {
      room,
      privateRoom: privateCursors,
      inbox,
      broadcast,
      rooms: rooms.edges.map((edge) => edge.cursor),
    },
  };
}

// ---------------------------------------------------------------------------------------
// Valid operations from schema.graphql, with valid variables. They are plain strings (not
// `graphql(...)`), so codegen leaves them alone: they are raw material for mutation.

interface Operation {
  query: string;
  variables: Record<string, unknown>;
}

const MESSAGE_FIELDS =
  'id seq cursor kind channel content clientId createdAt sender { id name } recipient { id name } room { id name }';
const PAGE_INFO = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

function operations(fx: Fixtures): Operation[] {
  const { cursors } = fx;
  return [
    {
      query:
        'query FuzzQMe { me { id name presence { status lastSeenAt connectionCount user { name } } } }',
      variables: {},
    },
    {
      query: `query FuzzQRooms($first: Int, $after: String) { rooms(first: $first, after: $after) { edges { cursor node { ...FuzzRoomFields } } ${PAGE_INFO} } } fragment FuzzRoomFields on Room { id name isPrivate maxMembers memberCount viewerIsMember createdAt createdBy { id name } members { id name } }`,
      variables: { first: 2, after: cursors.rooms[0] },
    },
    {
      query: 'query FuzzQRoom($id: ID!) { room(id: $id) { id name viewerIsMember memberCount } }',
      variables: { id: fx.publicRoomId },
    },
    { query: 'query FuzzQMyRooms { myRooms { id name memberCount } }', variables: {} },
    {
      query: `query FuzzQRoomHistory($roomId: ID!, $first: Int, $last: Int, $after: String, $before: String) { roomHistory(roomId: $roomId, first: $first, last: $last, after: $after, before: $before) { edges { cursor node { ${MESSAGE_FIELDS} } } ${PAGE_INFO} } }`,
      variables: { roomId: fx.publicRoomId, first: 2, after: cursors.room[0] },
    },
    {
      query: `query FuzzQDirectHistory($withUserId: ID!, $first: Int, $last: Int, $after: String, $before: String) { directHistory(withUserId: $withUserId, first: $first, last: $last, after: $after, before: $before) { edges { cursor node { ...FuzzMessageFields } } ${PAGE_INFO} } } fragment FuzzMessageFields on Message { ${MESSAGE_FIELDS} }`,
      variables: { withUserId: fx.bob.id, last: 2, before: cursors.inbox[2] },
    },
    {
      query: `query FuzzQBroadcastHistory($first: Int, $last: Int, $after: String, $before: String) { broadcastHistory(first: $first, last: $last, after: $after, before: $before) { edges { cursor node { ${MESSAGE_FIELDS} } } ${PAGE_INFO} } }`,
      variables: { first: 5, after: cursors.broadcast[0] },
    },
    {
      query:
        'query FuzzQOnline($roomId: ID) { onlineUsers(roomId: $roomId) { status lastSeenAt user { id name } } }',
      variables: { roomId: fx.publicRoomId },
    },
    {
      query:
        'query FuzzQPresence($ids: [ID!]!) { presence(userIds: $ids) { status connectionCount user { id } } }',
      variables: { ids: [fx.bob.id, fx.admin.id] },
    },
    {
      query: 'query FuzzQUser($id: ID!) { user(id: $id) { id name presence { status } } }',
      variables: { id: fx.bob.id },
    },
    { query: '{ __typename }', variables: {} },
    {
      query:
        'query FuzzQSchema { __schema { queryType { name } types { name kind fields { name args { name type { name kind ofType { name } } } } } } }',
      variables: {},
    },
    {
      query:
        'mutation FuzzMCreateRoom($name: String!, $isPrivate: Boolean, $maxMembers: Int) { createRoom(name: $name, isPrivate: $isPrivate, maxMembers: $maxMembers) { id name isPrivate maxMembers memberCount } }',
      variables: { name: 'fuzzed room', isPrivate: false, maxMembers: 10 },
    },
    {
      query: 'mutation FuzzMJoin($roomId: ID!) { joinRoom(roomId: $roomId) { id memberCount } }',
      variables: { roomId: fx.publicRoomId },
    },
    {
      query:
        'mutation FuzzMLeave($roomId: ID!) { leaveRoom(roomId: $roomId) { id viewerIsMember } }',
      variables: { roomId: fx.privateRoomId },
    },
    {
      query:
        'mutation FuzzMInvite($roomId: ID!, $userId: ID!) { inviteToRoom(roomId: $roomId, userId: $userId) { id members { id } } }',
      variables: { roomId: fx.publicRoomId, userId: fx.bob.id },
    },
    {
      query: `mutation FuzzMSendRoom($roomId: ID!, $content: String!, $clientId: String) { sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) { ${MESSAGE_FIELDS} } }`,
      variables: { roomId: fx.publicRoomId, content: 'fuzz hello', clientId: null },
    },
    {
      query: `mutation FuzzMSendDirect($toUserId: ID!, $content: String!, $clientId: String) { sendDirectMessage(toUserId: $toUserId, content: $content, clientId: $clientId) { ${MESSAGE_FIELDS} } }`,
      variables: { toUserId: fx.bob.id, content: 'fuzz direct' },
    },
    {
      query: `mutation FuzzMBroadcast($content: String!, $clientId: String) { broadcast(content: $content, clientId: $clientId) { ${MESSAGE_FIELDS} } }`,
      variables: { content: 'fuzz broadcast' },
    },
    {
      query:
        'mutation FuzzMPresence($status: PresenceStatus!) { setPresence(status: $status) { status connectionCount lastSeenAt } }',
      variables: { status: 'AWAY' },
    },
    {
      query:
        'mutation FuzzMSignIn($name: String!, $password: String!) { signIn(name: $name, password: $password) { token user { id } } }',
      variables: { name: fx.bob.name, password: 'not the password' },
    },
    {
      query: `subscription FuzzSRoom($roomId: ID!, $after: String) { roomMessages(roomId: $roomId, after: $after) { ${MESSAGE_FIELDS} } }`,
      variables: { roomId: fx.publicRoomId, after: cursors.room[0] },
    },
    {
      query: `subscription FuzzSDirect($after: String) { directMessages(after: $after) { ${MESSAGE_FIELDS} } }`,
      variables: { after: cursors.inbox[1] },
    },
    {
      query: `subscription FuzzSBroadcast($after: String) { broadcasts(after: $after) { ${MESSAGE_FIELDS} } }`,
      variables: { after: cursors.broadcast[1] },
    },
    {
      query:
        'subscription FuzzSPresence($roomId: ID) { presenceChanged(roomId: $roomId) { status user { id name } } }',
      variables: { roomId: fx.publicRoomId },
    },
  ];
}

function operationName(query: string): string | undefined {
  return /^(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1];
}

// ---------------------------------------------------------------------------------------
// Arbitraries.

const b64url = (text: string): string => Buffer.from(text).toString('base64url');

/** Cursors: valid ones of every stream (mostly the wrong stream), damaged ones, forged ones. */
function cursorArb(fx: Fixtures): fc.Arbitrary<string> {
  const valid = [
    ...fx.cursors.room,
    ...fx.cursors.privateRoom,
    ...fx.cursors.inbox,
    ...fx.cursors.broadcast,
    ...fx.cursors.rooms,
  ];
  return fc.oneof(
    fc.constantFrom(...valid),
    // A valid cursor with one character changed, dropped or added.
    fc
      .tuple(fc.constantFrom(...valid), fc.nat(), fc.constantFrom('A', '_', '-', '=', '+', '/', ''))
      .map(([cursor, at, char]) => {
        const i = at % cursor.length;
        return cursor.slice(0, i) + char + cursor.slice(i + 1);
      }),
    fc.string({ maxLength: 40 }).map(b64url),
    // Well-formed content with forged streams and positions.
    fc
      .tuple(
        fc.constantFrom('room', 'inbox', 'broadcast', 'user', '', 'room:0', 'room:-1', 'room:01'),
        fc.oneof(
          fc.integer(),
          fc.constantFrom(0, 1, 2, 3, 1e16, 2 ** 53, Number.MAX_SAFE_INTEGER),
          fc.string({ maxLength: 20 }),
        ),
        fc.constantFrom('v1', 'v0', 'v2', ''),
      )
      .map(([stream, seq, version]) =>
        b64url(
          stream === 'broadcast' ? `${version}:broadcast:${seq}` : `${version}:${stream}:${seq}`,
        ),
      ),
    fc
      .tuple(fc.constantFrom('room', 'inbox', 'broadcast'), fc.integer(), fc.integer({ min: 0 }))
      .map(([stream, id, seq]) => b64url(`v1:${stream}:${id}:${seq}`)),
    fc.oneof(fc.integer(), fc.string({ maxLength: 20 })).map((id) => b64url(`room:${id}`)),
    fc.string({ maxLength: 50 }),
    fc.string({ unit: 'binary', maxLength: 50 }),
    fc.integer({ min: 200, max: 20_000 }).map((n) => 'A'.repeat(n)),
  );
}

/** JSON values of the shapes a variable should never have. */
function weirdValueArb(fx: Fixtures): fc.Arbitrary<unknown> {
  return fc.oneof(
    cursorArb(fx),
    fc.jsonValue({ maxDepth: 3 }),
    fc.integer(),
    fc.double().map((n) => (Number.isFinite(n) ? n : String(n))),
    fc.constantFrom(
      0,
      -0,
      -1,
      1.5,
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 53,
      1e308,
      'NaN',
      'Infinity',
      '-1',
      '1e9',
      '0x10',
      '',
      ' ',
      null,
      true,
      [],
      {},
      'ONLINE',
      'OFFLINE',
    ),
    fc.constantFrom(fx.publicRoomId, fx.privateRoomId, fx.bob.id, fx.admin.id, fx.mallory.id),
    fc.string({ maxLength: 100 }),
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.string({ unit: 'grapheme', maxLength: 100 }),
    fc
      .tuple(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom('x', ' ', 'é', '😀', '\u0000'))
      .map(([n, char]) => char.repeat(n)),
    fc.integer({ min: 1, max: 200 }).map((depth) => {
      let value: unknown = 'deep';
      for (let i = 0; i < depth; i += 1) value = i % 2 ? [value] : { a: value };
      return value;
    }),
  );
}

/** Variables for an operation: valid ones with some values replaced, added or removed. */
function variablesArb(fx: Fixtures, valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const names = [...Object.keys(valid), 'first', 'last', 'after', 'before', 'roomId', 'x', ''];
  const edit = fc.record({
    name: fc.constantFrom(...names),
    value: fc.option(weirdValueArb(fx), { nil: undefined }),
  });
  const edited = fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    const variables: Record<string, unknown> = { ...valid };
    for (const { name, value } of edits) {
      if (value === undefined) delete variables[name];
      else variables[name] = value;
    }
    return variables;
  });
  return fc.oneof(
    { weight: 6, arbitrary: edited },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/** Pieces inserted into documents: tokens, directives, nesting, aliases, huge strings... */
const snippetArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '(',
    ')',
    ':',
    '$',
    '@',
    '...',
    '!',
    '[',
    ']',
    '=',
    '|',
    '&',
    ',',
    '#',
    'query',
    'mutation',
    'subscription',
    'fragment',
    'on',
    'Room',
    'Message',
    'Query',
    'me',
    'id',
    'name',
    'rooms',
    'roomHistory',
    '__typename',
    '__schema',
    '__type(name: "Room") { name }',
    'edges',
    'node',
    'cursor',
    'true',
    'null',
    '0',
    '-1',
    '2147483648',
    '1e400',
    '"x"',
    '"""block"""',
    '$first',
    '$nope',
    '...FuzzRoomFields',
    '...FuzzMessageFields',
    '... on Room { id }',
    '... on Message { id }',
    'fragment F on Query { ...F }',
    'query FuzzQOther { __typename }',
    'subscription FuzzSOther { broadcasts { id } }',
  ),
  fc.constantFrom(
    '@include(if: true)',
    '@skip(if: true)',
    '@skip(if: $nope)',
    '@include',
    '@deprecated',
    '@defer',
    '@stream(initialCount: 1)',
    '@oneOf',
    '@specifiedBy(url: "x")',
    '@live',
    '@x(a: [1, {b: "c"}])',
  ),
  fc
    .integer({ min: 1, max: 30 })
    .map((depth) => `me { ${'presence { user { '.repeat(depth)}id${' } }'.repeat(depth)} }`),
  fc
    .integer({ min: 1, max: 80 })
    .map((n) => Array.from({ length: n }, (_, k) => `a${k}: __typename`).join(' ')),
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/).map((alias) => `${alias}:`),
  fc.integer({ min: 1, max: 1500 }).map((n) => '__typename '.repeat(n)),
  fc
    .tuple(
      fc.integer({ min: 1, max: 70_000 }),
      fc.constantFrom('x', 'é', '😀', '\\u0000', '\\n', '"'),
    )
    .map(([n, char]) => `"${char.repeat(n)}"`),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('\u0000', '\uFEFF', '\uD800', '\u2028', '\r', '\t'),
);

type DocMutation =
  | { kind: 'deleteToken' | 'deleteChar'; at: number }
  | { kind: 'insertToken' | 'replaceToken' | 'insertChars'; at: number; text: string }
  | { kind: 'duplicate'; at: number; length: number };

const docMutationArb: fc.Arbitrary<DocMutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('deleteToken', 'deleteChar'), at: fc.nat() }),
  fc.record({
    kind: fc.constantFrom('insertToken', 'replaceToken', 'insertChars'),
    at: fc.nat(),
    text: snippetArb,
  }),
  fc.record({
    kind: fc.constant('duplicate'),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 30 }),
  }),
) as fc.Arbitrary<DocMutation>;

const TOKEN = /"(?:[^"\\]|\\.)*"|\.\.\.|[A-Za-z_]\w*|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\S/g;

function mutate(doc: string, mutation: DocMutation): string {
  if (mutation.kind === 'deleteChar') {
    const at = mutation.at % (doc.length + 1);
    return doc.slice(0, at) + doc.slice(at + 1);
  }
  if (mutation.kind === 'insertChars') {
    const at = mutation.at % (doc.length + 1);
    return doc.slice(0, at) + mutation.text + doc.slice(at);
  }
  const tokens = doc.match(TOKEN) ?? [];
  const at = mutation.at % (tokens.length + 1);
  switch (mutation.kind) {
    case 'deleteToken':
      tokens.splice(at, 1);
      break;
    case 'insertToken':
      tokens.splice(at, 0, mutation.text);
      break;
    case 'replaceToken':
      tokens.splice(at, 1, mutation.text);
      break;
    case 'duplicate':
      tokens.splice(at, 0, ...tokens.slice(at, at + mutation.length));
      break;
  }
  return tokens.join(' ');
}

interface FuzzedOperation {
  query: string;
  operation: Operation;
}

/** Valid operations mutated, or entirely random text. */
function documentArb(ops: Operation[]): fc.Arbitrary<FuzzedOperation> {
  const mutated = fc
    .tuple(fc.constantFrom(...ops), fc.array(docMutationArb, { minLength: 0, maxLength: 5 }))
    .map(([operation, mutations]) => ({
      operation,
      query: mutations.reduce(mutate, operation.query),
    }));
  const random = fc
    .tuple(
      fc.constantFrom(...ops),
      fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.array(snippetArb, { maxLength: 40 }).map((parts) => parts.join(' ')),
      ),
    )
    .map(([operation, query]) => ({ operation, query }));
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: random });
}

const printable = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);

type Auth = 'mallory' | 'admin' | 'none' | 'garbage' | 'tampered' | 'random';
const authArb: fc.Arbitrary<{ kind: Auth; random: string }> = fc.record({
  kind: fc.constantFrom<Auth>(
    'mallory',
    'mallory',
    'mallory',
    'admin',
    'none',
    'garbage',
    'tampered',
    'random',
  ),
  random: printable,
});

function authorization(fx: Fixtures, auth: { kind: Auth; random: string }): string | undefined {
  switch (auth.kind) {
    case 'mallory':
      return `Bearer ${fx.mallory.token}`;
    case 'admin':
      return `Bearer ${fx.admin.token}`;
    case 'none':
      return undefined;
    case 'garbage':
      return `Bearer ${auth.random}`;
    case 'tampered':
      return `Bearer ${fx.mallory.token.slice(0, -3)}${fx.mallory.token.endsWith('A') ? 'B' : 'A'}`;
    case 'random':
      return auth.random;
  }
}

// ---------------------------------------------------------------------------------------
// HTTP.

interface HttpRequest {
  method: string;
  /** Query string, with the leading `?`, or empty. */
  search: string;
  headers: Record<string, string>;
  body?: string;
}

const ACCEPT = 'application/graphql-response+json, application/json';

async function sendHttp(server: TestServer, request: HttpRequest): Promise<void> {
  const response = await fetch(server.url + request.search, {
    method: request.method,
    headers: { accept: ACCEPT, ...request.headers },
    body: request.body,
  });
  const text = await response.text();
  const sent = `${request.search} ${JSON.stringify(request.headers)} ${request.body ?? ''}`;
  const where = `${response.status} ${text.slice(0, 1000)}`;
  expect(response.status, where).toBeLessThan(500);
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.includes('json')) return;
  expectNoLeak(text, sent);
  const body = tryJson(text) as { errors?: unknown } | undefined;
  expectGoodErrors(body?.errors);
}

/** A GraphQL request over one of the ways HTTP can carry it. */
function graphqlRequestArb(
  fx: Fixtures,
  params: fc.Arbitrary<{ query: string; variables: unknown; operationName?: unknown }>,
): fc.Arbitrary<HttpRequest> {
  return fc
    .record({
      params,
      auth: authArb,
      way: fc.constantFrom('json', 'json', 'json', 'get', 'graphql', 'form'),
    })
    .map(({ params, auth, way }) => {
      const headers: Record<string, string> = {};
      const value = authorization(fx, auth);
      if (value !== undefined) headers.authorization = value;
      const search = new URLSearchParams();
      search.set('query', params.query);
      if (params.variables !== undefined) search.set('variables', JSON.stringify(params.variables));
      if (typeof params.operationName === 'string')
        search.set('operationName', params.operationName);
      // Without it, CSRF prevention would refuse every GET and form before it is parsed.
      const csrf = { 'x-graphql-yoga-csrf': '1' };
      switch (way) {
        case 'get':
          return { method: 'GET', search: `?${search}`, headers: { ...headers, ...csrf } };
        case 'graphql':
          return {
            method: 'POST',
            search: '',
            headers: { ...headers, 'content-type': 'application/graphql' },
            body: params.query,
          };
        case 'form':
          return {
            method: 'POST',
            search: '',
            headers: { ...headers, ...csrf, 'content-type': 'application/x-www-form-urlencoded' },
            body: search.toString(),
          };
        default:
          return {
            method: 'POST',
            search: '',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify(params),
          };
      }
    });
}

/** Requests that are not well-formed GraphQL requests at all. */
function malformedRequestArb(fx: Fixtures, ops: Operation[]): fc.Arbitrary<HttpRequest> {
  const validBody = fc
    .constantFrom(...ops)
    .map((op) => JSON.stringify({ query: op.query, variables: op.variables }));
  const body = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.tuple(validBody, fc.nat()).map(([text, at]) => text.slice(0, at % text.length)),
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    fc
      .record(
        {
          query: fc.oneof(fc.constantFrom(...ops.map((op) => op.query)), fc.jsonValue()),
          variables: fc.jsonValue({ maxDepth: 3 }),
          operationName: fc.jsonValue({ maxDepth: 2 }),
          extensions: fc.jsonValue({ maxDepth: 3 }),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
    fc.constant(`[${JSON.stringify({ query: '{ __typename }' })}]`),
  );
  const contentType = fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/graphql',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'multipart/form-data; boundary=xyz',
      'text/plain',
      'application/graphql-response+json',
      '',
    ),
    printable,
  );
  const searchParam = fc.tuple(
    fc.oneof(fc.constantFrom('query', 'variables', 'operationName', 'extensions'), printable),
    fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.constantFrom(...ops.map((op) => op.query)),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
    ),
  );
  return fc
    .record({
      method: fc.constantFrom(
        'POST',
        'POST',
        'POST',
        'GET',
        'GET',
        'PUT',
        'DELETE',
        'PATCH',
        'OPTIONS',
        'HEAD',
      ),
      body,
      contentType,
      accept: fc.constantFrom(ACCEPT, 'application/json', 'text/html', 'application/xml', ''),
      search: fc.array(searchParam, { maxLength: 4 }),
      auth: authArb,
    })
    .map(({ method, body, contentType, accept, search, auth }) => {
      const headers: Record<string, string> = { accept };
      const value = authorization(fx, auth);
      if (value !== undefined) headers.authorization = value;
      if (contentType) headers['content-type'] = contentType;
      const params = new URLSearchParams(search);
      const hasBody = method !== 'GET' && method !== 'HEAD';
      return {
        method,
        search: params.size > 0 ? `?${params}` : '',
        headers,
        body: hasBody ? body : undefined,
      };
    });
}

// ---------------------------------------------------------------------------------------
// graphql-ws, over raw sockets.

type Frame = { text: string } | { binary: Uint8Array };

interface WsScenario {
  protocols: readonly string[];
  /** Sent in a connection_init before the frames, which wait for its acknowledgement. */
  token: string | undefined;
  frames: Frame[];
}

interface WsOutcome {
  /** The close code, if the server closed the socket (before our probe was answered). */
  serverClose?: number;
  closeReason: string;
  messages: string[];
}

/** Frames that run operations, and frames of any kind, hostile ones included. */
function frameArbs(
  fx: Fixtures,
  ops: Operation[],
): { operation: fc.Arbitrary<Frame>; any: fc.Arbitrary<Frame> } {
  const text = (message: unknown): Frame => ({ text: JSON.stringify(message) });
  const token = fx.mallory.token;
  const init = fc
    .oneof(
      fc.constant({ authorization: `Bearer ${token}` }),
      fc.constant({ Authorization: `Bearer ${token}` }),
      fc.constant({ authorization: token }),
      fc.constant({ authorization: `Bearer ${fx.admin.token}` }),
      printable.map((random) => ({ authorization: `Bearer ${random}` })),
      fc.jsonValue({ maxDepth: 2 }),
      fc.constant(undefined),
    )
    .map((payload) => text({ type: 'connection_init', payload }));
  const id = fc.oneof(
    fc.constantFrom('1', '2', '3', 'a'),
    fc.string({ maxLength: 10 }),
    fc.jsonValue({ maxDepth: 1 }),
  );
  /** Well-formed: only the operation in it is fuzzed; otherwise the message itself too. */
  const subscribe = (wellFormed: boolean) =>
    documentArb(ops).chain((fuzzed) =>
      fc
        .record({
          id: wellFormed
            ? fc.oneof(
                fc.constantFrom('1', '2', '3', '4'),
                fc.string({ minLength: 1, maxLength: 10 }),
              )
            : id,
          variables: fc.oneof(
            fc.constant(fuzzed.operation.variables),
            variablesArb(fx, fuzzed.operation.variables).map((variables) =>
              wellFormed && !isRecord(variables) ? {} : variables,
            ),
          ),
          name: fc.option(
            wellFormed ? fc.string({ maxLength: 10 }) : fc.oneof(fc.string(), fc.jsonValue()),
            { nil: undefined },
          ),
          extensions: fc.option(
            wellFormed
              ? fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }))
              : fc.jsonValue({ maxDepth: 2 }),
            { nil: undefined },
          ),
        })
        .map(({ id, variables, name, extensions }) =>
          text({
            id,
            type: 'subscribe',
            payload: {
              query: fuzzed.query,
              variables,
              operationName: name ?? operationName(fuzzed.operation.query),
              extensions,
            },
          }),
        ),
    );
  const valid = fc
    .tuple(fc.constantFrom('1', '2', '3'), fc.constantFrom(...ops))
    .map(([id, op]) =>
      text({ id, type: 'subscribe', payload: { query: op.query, variables: op.variables } }),
    );
  const other = fc
    .record(
      {
        type: fc.constantFrom(
          'complete',
          'ping',
          'pong',
          'next',
          'error',
          'connection_ack',
          'start',
          'stop',
          'connection_terminate',
        ),
        id,
        payload: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: ['type'] },
    )
    .map(text);
  // Well-formed messages of every type, also of those only a server may send.
  const wellFormed = fc
    .constantFrom<unknown>(
      { type: 'connection_init' },
      { type: 'connection_ack' },
      { type: 'connection_ack', payload: {} },
      { type: 'next', id: '1', payload: { data: null } },
      { type: 'error', id: '1', payload: [{ message: 'x' }] },
      { type: 'complete', id: '1' },
      { type: 'complete', id: '2' },
      { type: 'ping' },
      { type: 'pong' },
      { type: 'pong', payload: {} },
    )
    .map(text);
  const complete = fc.constantFrom('1', '2', '3').map((id) => text({ id, type: 'complete' }));
  const operation = fc.oneof(
    { weight: 5, arbitrary: subscribe(true) },
    { weight: 3, arbitrary: valid },
    { weight: 1, arbitrary: complete },
  );
  const any = fc.oneof(
    { weight: 3, arbitrary: init },
    { weight: 2, arbitrary: wellFormed },
    { weight: 5, arbitrary: subscribe(false) },
    { weight: 3, arbitrary: valid },
    { weight: 2, arbitrary: other },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(text) },
    { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((s) => ({ text: s })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }).map((binary) => ({ binary })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...ops).map((op) => ({
        binary: Buffer.from(
          JSON.stringify({
            id: 'b',
            type: 'subscribe',
            payload: { query: op.query, variables: op.variables },
          }),
        ),
      })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 60 * 1024, max: 80 * 1024 }).map((n) =>
        text({
          id: 'big',
          type: 'subscribe',
          payload: { query: '{ __typename }', variables: { pad: 'x'.repeat(n) } },
        }),
      ),
    },
  );
  return { operation, any };
}

function wsScenarioArb(fx: Fixtures, ops: Operation[]): fc.Arbitrary<WsScenario> {
  const frames = frameArbs(fx, ops);
  return fc.record({
    protocols: fc.oneof(
      { weight: 10, arbitrary: fc.constant(['graphql-transport-ws']) },
      {
        weight: 1,
        // No subprotocol at all: the server must close with 4406. (Asking only for others
        // fails in the client, which refuses a handshake without one of its protocols.)
        arbitrary: fc.constantFrom(
          [],
          ['foo', 'graphql-transport-ws'],
          ['graphql-ws', 'graphql-transport-ws'],
        ),
      },
    ),
    // Mostly a connection acknowledged first, so that the frames reach operations. Several
    // users, so that connections still closing on the server do not hit the per-user limit.
    token: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...fx.wsUsers.map((user) => user.token)) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    // Mostly operations, so that they are run rather than cut short by a frame that closes.
    frames: fc.oneof(
      { weight: 3, arbitrary: fc.array(frames.operation, { minLength: 1, maxLength: 6 }) },
      { weight: 1, arbitrary: fc.array(frames.any, { maxLength: 8 }) },
    ),
  });
}

let probeCounter = 0;

/**
 * Opens a socket (with `token`: acknowledged first), sends the frames, then a probe: on an
 * acknowledged connection an operation, whose completion proves the server still runs
 * operations on it (and usually comes after the answers to the frames); otherwise a ping,
 * whose pong proves the server still answers. Then closes the socket (unless the server
 * did) and collects what came back.
 */
function runWs(server: TestServer, scenario: WsScenario): Promise<WsOutcome> {
  probeCounter += 1;
  const probe = `probe-${probeCounter}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(server.wsUrl, [...scenario.protocols]);
    const messages: string[] = [];
    let acknowledged = false;
    let weClosed = false;
    const send = (frame: Frame) => {
      if ('text' in frame) socket.send(frame.text);
      else socket.send(frame.binary, { binary: true });
    };
    const sendFrames = () => {
      for (const frame of scenario.frames) {
        if (socket.readyState !== WebSocket.OPEN) return;
        send(frame);
      }
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(
        JSON.stringify(
          acknowledged
            ? { id: probe, type: 'subscribe', payload: { query: '{ __typename }' } }
            : { type: 'ping', payload: { probe } },
        ),
      );
    };
    socket.on('error', reject);
    socket.on('message', (data) => {
      const text = String(data);
      messages.push(text);
      const message = tryJson(text) as {
        id?: unknown;
        type?: unknown;
        payload?: { probe?: unknown };
      } | null;
      if (scenario.token !== undefined && !acknowledged && message?.type === 'connection_ack') {
        acknowledged = true;
        sendFrames();
      }
      const probed = acknowledged
        ? message?.type === 'complete' && message.id === probe
        : message?.type === 'pong' && message.payload?.probe === probe;
      if (probed) {
        weClosed = true;
        socket.close(1000);
      }
    });
    socket.on('close', (code, reason) => {
      resolve({
        serverClose: weClosed && code === 1000 ? undefined : code,
        closeReason: String(reason),
        messages,
      });
    });
    socket.on('open', () => {
      if (scenario.token === undefined) return sendFrames();
      const payload = { authorization: `Bearer ${scenario.token}` };
      socket.send(JSON.stringify({ type: 'connection_init', payload }));
    });
  });
}

function expectGoodWsOutcome(outcome: WsOutcome, scenario: WsScenario): void {
  const sent = scenario.frames.map((frame) => ('text' in frame ? frame.text : '')).join('\n');
  const where = JSON.stringify({ close: outcome.serverClose, reason: outcome.closeReason });
  if (outcome.serverClose !== undefined) {
    expect(ALLOWED_CLOSE_CODES.has(outcome.serverClose), `close code ${where}`).toBe(true);
  }
  expectNoLeak(outcome.closeReason, sent);
  for (const text of outcome.messages) {
    expectNoLeak(text, sent);
    const message = tryJson(text) as { type?: unknown; payload?: unknown } | undefined;
    expect(message, text).toBeTypeOf('object');
    if (message?.type === 'error') expectGoodErrors(message.payload);
    if (message?.type === 'next') {
      expectGoodErrors((message.payload as { errors?: unknown } | undefined)?.errors);
    }
  }
}

// ---------------------------------------------------------------------------------------

/** Each property takes a few seconds alone; this leaves room for a loaded machine. */
const FUZZ_TIMEOUT_MS = 90_000;

describe('fuzz', () => {
  let server: TestServer;
  let fx: Fixtures;
  let ops: Operation[];

  /**
   * The server (in this process) logs what it takes for its own fault with console.error:
   * Yoga for an unexpected (masked) error, graphql-ws for a throw that closes with 4500.
   * Whatever a client sends, that must not happen, also after the client has gone.
   */
  const serverFaults: string[] = [];
  function expectNoServerFault(): void {
    expect(serverFaults, serverFaults[0]).toEqual([]);
  }

  beforeAll(async () => {
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      // graphql-ws logs the error with which ws closes an over-64-KiB message with 1009.
      if (args.some((arg) => arg instanceof RangeError && /Max payload size/.test(arg.message)))
        return;
      serverFaults.push(
        args
          .map((arg) => (arg instanceof Error ? (arg.stack ?? String(arg)) : String(arg)))
          .join(' '),
      );
    });
    server = await startTestServer({ ADMIN_USERS: 'fuzz_admin' });
    fx = await makeFixtures(server);
    ops = operations(fx);
  });
  afterAll(async () => {
    await server.close();
    vi.restoreAllMocks();
    expectNoServerFault();
  });

  async function expectHealthy(): Promise<void> {
    const health = await fetch(server.url.replace(/\/graphql$/, '/health'));
    expect(health.status).toBe(200);
  }

  /** Health, and a normal signed-in query still answering as it should. */
  async function expectStillServing(): Promise<void> {
    expectNoServerFault();
    await expectHealthy();
    const { me } = await fx.mallory.http.request(FuzzMeDoc);
    expect(me).toEqual({ id: fx.mallory.id, name: fx.mallory.name });
  }

  it(
    'survives the schema operations mutated into random documents, over HTTP',
    async () => {
      const params = documentArb(ops).chain(({ query, operation }) =>
        fc.record({
          query: fc.constant(query),
          variables: fc.constant(operation.variables),
          operationName: fc.option(
            fc.oneof(fc.constant(operationName(operation.query)), fc.string({ maxLength: 10 })),
            { nil: undefined },
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(graphqlRequestArb(fx, params), async (request) => {
          await sendHttp(server, request);
          expectNoServerFault();
          await expectHealthy();
        }),
        { numRuns: 800 },
      );
      await expectStillServing();
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'survives random variables and cursors on valid operations, over HTTP',
    async () => {
      const params = fc.constantFrom(...ops).chain((operation) =>
        fc.record({
          query: fc.constant(operation.query),
          variables: variablesArb(fx, operation.variables),
        }),
      );
      await fc.assert(
        fc.asyncProperty(graphqlRequestArb(fx, params), async (request) => {
          await sendHttp(server, request);
          expectNoServerFault();
          await expectHealthy();
        }),
        { numRuns: 600 },
      );
      await expectStillServing();
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'survives malformed bodies, content types, methods and query strings',
    async () => {
      await fc.assert(
        fc.asyncProperty(malformedRequestArb(fx, ops), async (request) => {
          await sendHttp(server, request);
          expectNoServerFault();
          await expectHealthy();
        }),
        { numRuns: 800 },
      );
      await expectStillServing();
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'survives random graphql-ws frames, and only closes with protocol codes',
    async () => {
      await fc.assert(
        fc.asyncProperty(wsScenarioArb(fx, ops), async (scenario) => {
          const outcome = await runWs(server, scenario);
          expectGoodWsOutcome(outcome, scenario);
          expectNoServerFault();
          await expectHealthy();
        }),
        { numRuns: 400 },
      );
      await expectStillServing();
    },
    FUZZ_TIMEOUT_MS,
  );
});
