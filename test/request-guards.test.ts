import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/graphql/schema.js';
import { CSRF_HEADERS } from '../src/transport/csrf.js';
import { graphql } from './gql/index.js';
import { http, PASSWORD, signUp, type TestUser, uniqueName } from './helpers/clients.js';
import { openAcknowledged, type WireMessage } from './helpers/raw-ws.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const GuardCreateRoomDoc = graphql(`
  mutation GuardCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);

/** The richest page a client could want: 100 messages with all their fields (cost ≈ 10 200). */
const PAGE = `roomHistory(roomId: $roomId, first: 100) {
  edges { cursor node { id kind seq content createdAt clientId cursor
    sender { id name presence { status lastSeenAt } } room { id name } } }
  pageInfo { hasNextPage endCursor } }`;

/** Ten aliases of 100 rooms with all their members' presence (cost ≈ 70 700 > 20 000). */
const COSTLY = `{ ${Array.from(
  { length: 10 },
  (_, i) =>
    `r${i}: rooms(first: 100) { edges { node { members { id name presence { status user { name } } } } } }`,
).join(' ')} }`;

/** `{ __typename @include(if: true) __typename @include(if: true) ... }`, `count` of each. */
function directives(count: number): string {
  return `{${' __typename @include(if: true)'.repeat(count)} }`;
}

interface Answer {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
}

async function request(
  server: TestServer,
  init: { method?: string; search?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  const response = await fetch(server.url + (init.search ?? ''), {
    method: init.method ?? 'POST',
    headers: { accept: 'application/graphql-response+json, application/json', ...init.headers },
    body: init.body,
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Answer['body'] };
}

/** A JSON POST, as graphql-request and every JSON client sends it. */
function post(server: TestServer, payload: unknown, token?: string): Promise<Answer> {
  return request(server, {
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(payload),
  });
}

function codes(answer: Answer): (string | undefined)[] {
  return (answer.body.errors ?? []).map((error) => error.extensions?.code);
}

/** Runs one operation over graphql-ws and returns the server's first answer to it. */
async function overWs(server: TestServer, token: string, query: string): Promise<WireMessage> {
  const socket = await openAcknowledged(server.wsUrl, token);
  socket.send({ id: '1', type: 'subscribe', payload: { query } });
  const answer = await socket.next();
  socket.close();
  await socket.closed;
  return answer;
}

describe('request guards', () => {
  let server: TestServer;
  let production: TestServer;
  let alice: TestUser;
  let roomId: string;
  beforeAll(async () => {
    [server, production] = await Promise.all([
      startTestServer(),
      startTestServer({ NODE_ENV: 'production' }),
    ]);
    alice = await signUp(server);
    ({
      createRoom: { id: roomId },
    } = await alice.http.request(GuardCreateRoomDoc, { name: 'guards' }));
  });
  afterAll(() => Promise.all([server.close(), production.close()]));

  it('MAX_QUERY_COST: refuses a costly document before it runs, and runs a full page', async () => {
    const costly = await post(server, { query: COSTLY }, alice.token);
    expect(costly.status).toBe(400);
    expect(codes(costly)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(costly.body.errors?.[0]?.message).toMatch(/Cost limit of 20000 exceeded/);
    expect(costly.body.data ?? null).toBeNull();

    const page = `query Page($roomId: ID!) { ${PAGE} }`;
    const full = await post(server, { query: page, variables: { roomId } }, alice.token);
    expect(full.body.errors).toBeUndefined();
    expect(full.body.data).toHaveProperty('roomHistory.edges');

    // Two such pages in one request are over the limit; over graphql-ws the same.
    const twice = `query Pages($roomId: ID!) { a: ${PAGE} b: ${PAGE} }`;
    expect(codes(await post(server, { query: twice, variables: { roomId } }, alice.token))).toEqual(
      ['GRAPHQL_VALIDATION_FAILED'],
    );
    const refused = await overWs(server, alice.token, COSTLY);
    expect(refused).toMatchObject({ id: '1', type: 'error' });
    expect((refused.payload as Answer['body']['errors'])?.[0]?.extensions?.code).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
  });

  it('MAX_QUERY_DIRECTIVES: 50 directives run, 51 are refused', async () => {
    const fifty = await post(server, { query: directives(50) });
    expect(fifty.body).toEqual({ data: { __typename: 'Query' } });
    const over = await post(server, { query: directives(51) });
    expect(over.status).toBe(400);
    expect(codes(over)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const refused = await overWs(server, alice.token, directives(51));
    expect(refused).toMatchObject({ id: '1', type: 'error' });
  });

  it('hides "Did you mean" suggestions that would spell out the schema', async () => {
    const typos = [
      '{ mee { id } }',
      '{ rooms(frist: 1) { edges { cursor } } }',
      'query($x: Strng) { __typename }',
      'mutation { setPresence(status: ONLIN) { status } }',
    ];
    for (const query of typos) {
      // graphql-js itself would suggest here: the test would see a leak.
      const direct = validate(schema, parse(query)).map((error) => error.message);
      expect(direct.join(' ')).toContain('Did you mean');
      const answer = await post(server, { query }, alice.token);
      expect(codes(answer)[0]).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(JSON.stringify(answer.body)).not.toContain('Did you mean');
      const overSocket = await overWs(server, alice.token, query);
      expect(overSocket.type).toBe('error');
      expect(JSON.stringify(overSocket.payload)).not.toContain('Did you mean');
    }
    // A bad enum value in variables is found while executing, and is masked the same way.
    const variable = await post(
      server,
      {
        query: 'mutation($s: PresenceStatus!) { setPresence(status: $s) { status } }',
        variables: { s: 'ONLIN' },
      },
      alice.token,
    );
    expect(codes(variable)).toEqual(['BAD_USER_INPUT']);
    expect(variable.body.errors?.[0]?.message).toContain('"ONLIN" does not exist');
    expect(JSON.stringify(variable.body)).not.toContain('Did you mean');
  });

  it('production: no introspection and no GraphiQL; __typename still answers', async () => {
    const introspection = await post(production, { query: '{ __schema { queryType { name } } }' });
    expect(introspection.status).toBe(400);
    expect(codes(introspection)[0]).toBe('GRAPHQL_VALIDATION_FAILED');
    const type = await post(production, { query: '{ __type(name: "Room") { fields { name } } }' });
    expect(codes(type)[0]).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(type.body.data ?? null).toBeNull();
    const bob = await signUp(production);
    const overSocket = await overWs(production, bob.token, '{ __schema { types { name } } }');
    expect(overSocket.type).toBe('error');
    expect(await post(production, { query: '{ __typename }' })).toEqual({
      status: 200,
      body: { data: { __typename: 'Query' } },
    });

    const page = { headers: { accept: 'text/html' } };
    const noGraphiql = await fetch(production.url, page);
    expect(noGraphiql.status).toBe(406);
    expect(await noGraphiql.text()).not.toContain('<html');
    // Development serves both.
    const graphiql = await fetch(server.url, page);
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('<title>Switchboard</title>');
    const devIntrospection = await post(server, { query: '{ __schema { queryType { name } } }' });
    expect(devIntrospection.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('production: GRAPHQL_INTROSPECTION=true and GRAPHIQL=true turn them back on', async () => {
    const open = await startTestServer({
      NODE_ENV: 'production',
      GRAPHQL_INTROSPECTION: 'true',
      GRAPHIQL: 'true',
    });
    try {
      const introspection = await post(open, { query: '{ __schema { queryType { name } } }' });
      expect(introspection.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
      const graphiql = await fetch(open.url, { headers: { accept: 'text/html' } });
      expect(await graphiql.text()).toContain('<title>Switchboard</title>');
    } finally {
      await open.close();
    }
  });

  it('CSRF prevention: a GET or a form-like POST needs a header; JSON and GraphQL bodies do not', async () => {
    const search = `?query=${encodeURIComponent('{ __typename }')}`;
    const bare = await request(server, { method: 'GET', search });
    expect(bare.status).toBe(403);
    expect(codes(bare)).toEqual(['BAD_REQUEST']);
    for (const header of CSRF_HEADERS) {
      const allowed = await request(server, { method: 'GET', search, headers: { [header]: '1' } });
      expect(allowed.body, header).toEqual({ data: { __typename: 'Query' } });
    }
    // Still no mutation over GET.
    const mutation = `?query=${encodeURIComponent('mutation { signUp(name: "x", password: "y") { token } }')}`;
    const csrf = { [CSRF_HEADERS[0] ?? '']: '1' };
    expect((await request(server, { method: 'GET', search: mutation, headers: csrf })).status).toBe(
      405,
    );

    // What an HTML form or a no-cors fetch can send without a preflight.
    const name = uniqueName('csrf');
    const signUpQuery = `mutation { signUp(name: "${name}", password: "${PASSWORD}") { token } }`;
    const simple: [string, string][] = [
      ['application/x-www-form-urlencoded', new URLSearchParams({ query: signUpQuery }).toString()],
      ['text/plain', JSON.stringify({ query: signUpQuery })],
      [
        'multipart/form-data; boundary=b',
        `--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: signUpQuery })}\r\n--b--\r\n`,
      ],
    ];
    for (const [contentType, body] of simple) {
      const answer = await request(server, { headers: { 'content-type': contentType }, body });
      expect(answer.status, contentType).toBe(403);
      expect(codes(answer)).toEqual(['BAD_REQUEST']);
    }
    // None of them signed anyone up.
    const taken = await post(server, { query: signUpQuery });
    expect(taken.body.errors).toBeUndefined();

    const graphqlBody = await request(server, {
      headers: { 'content-type': 'application/graphql' },
      body: '{ __typename }',
    });
    expect(graphqlBody.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a batch (a JSON array) with BAD_REQUEST, running none of it', async () => {
    const name = uniqueName('batch');
    const batch = [
      { query: `mutation { signUp(name: "${name}", password: "${PASSWORD}") { token } }` },
      { query: '{ __typename }' },
    ];
    const answer = await post(server, batch);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      errors: [{ message: 'Batching is not supported.', extensions: { code: 'BAD_REQUEST' } }],
    });
    // The name is still free: the mutation in the batch did not run.
    const signedUp = await http(server).request(
      graphql(`
        mutation GuardSignUp($name: String!, $password: String!) {
          signUp(name: $name, password: $password) {
            user {
              name
            }
          }
        }
      `),
      { name, password: PASSWORD },
    );
    expect(signedUp.signUp.user.name).toBe(name);
  });
});
