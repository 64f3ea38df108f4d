import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type TestUser } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// A document runs interpreted (graphql-js) twice, then compiled (graphql-jit): the answers
// must not change when it switches, for data, rule errors and bad variables alike.

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  alice = await signUp(server);
});

afterAll(async () => {
  await server.close();
});

/** The same request `times` times, one after another: each answer's status and body. */
async function repeated(
  body: { query: string; variables?: Record<string, unknown> },
  times: number,
): Promise<Array<{ status: number; body: unknown }>> {
  const answers: Array<{ status: number; body: unknown }> = [];
  for (let i = 0; i < times; i += 1) {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify(body),
    });
    answers.push({ status: response.status, body: await response.json() });
  }
  return answers;
}

describe('queries and mutations, interpreted then compiled', () => {
  it('answer a query with the same data', async () => {
    const answers = await repeated(
      { query: 'query JitMe { me { id name } rooms(first: 2) { edges { node { id } } } }' },
      5,
    );
    expect(answers[0]).toEqual({
      status: 200,
      body: { data: { me: { id: alice.id, name: alice.name }, rooms: { edges: [] } } },
    });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  it("keep a rule error's code and message, and the data beside it", async () => {
    const answers = await repeated(
      {
        query: 'mutation JitJoin($r: ID!) { joinRoom(roomId: $r) { id } }',
        variables: { r: '987654' },
      },
      5,
    );
    const first = answers[0]?.body as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(first.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  it('refuse a bad variable alike', async () => {
    const answers = await repeated(
      {
        query:
          'query JitPage($r: ID!, $n: Int) { roomHistory(roomId: $r, first: $n) { edges { cursor } } }',
        variables: { r: '1', n: 'many' },
      },
      5,
    );
    const first = answers[0]?.body as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(first.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });
});
