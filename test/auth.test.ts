import { createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './gql/index.js';
import {
  connected,
  expectCode,
  http,
  nextClose,
  PASSWORD,
  signUp,
  uniqueName,
  wsClient,
} from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SignInDoc = graphql(`
  mutation SignIn($name: String!, $password: String!) {
    signIn(name: $name, password: $password) {
      token
      user {
        id
        name
      }
    }
  }
`);

const MeDoc = graphql(`
  query Me {
    me {
      id
      name
    }
  }
`);

describe('auth', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ADMIN_USERS: 'root' });
  });
  afterAll(() => server.close());

  it('signs up, then signs in with the same password, and the token names the user', async () => {
    const name = uniqueName();
    const alice = await signUp(server, name);
    expect(alice.name).toBe(name);
    const { signIn } = await http(server).request(SignInDoc, {
      name: name.toUpperCase(),
      password: PASSWORD,
    });
    expect(signIn.user.id).toBe(alice.id);
    const { me } = await http(server, signIn.token).request(MeDoc);
    expect(me).toEqual({ id: alice.id, name });
  });

  it('stores only a salted scrypt hash, never the password', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const raw = server.openDb();
    const hashOf = async (id: string) =>
      (
        await raw
          .selectFrom('users')
          .select('password_hash')
          .where('id', '=', Number(id))
          .executeTakeFirstOrThrow()
      ).password_hash;
    const [aliceHash, bobHash] = [await hashOf(alice.id), await hashOf(bob.id)];
    await raw.destroy();
    // scrypt$N$r$p$salt$key: the parameters travel with the hash.
    expect(aliceHash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[\w-]{22}\$[\w-]{43}$/);
    expect(aliceHash).not.toContain(PASSWORD);
    expect(aliceHash).not.toContain(Buffer.from(PASSWORD).toString('base64url'));
    // Same password, different salt, different hash.
    expect(bobHash).not.toBe(aliceHash);
  });

  it('refuses a wrong password and an unknown name alike', async () => {
    const alice = await signUp(server);
    await expectCode(
      http(server).request(SignInDoc, { name: alice.name, password: 'wrong password' }),
      'UNAUTHENTICATED',
    );
    await expectCode(
      http(server).request(SignInDoc, { name: uniqueName(), password: PASSWORD }),
      'UNAUTHENTICATED',
    );
  });

  it('refuses a duplicate name, case-insensitively', async () => {
    const alice = await signUp(server);
    await expectCode(signUp(server, alice.name.toUpperCase()), 'CONFLICT');
  });

  it('checks name and password rules', async () => {
    await expectCode(signUp(server, ''), 'BAD_USER_INPUT');
    await expectCode(signUp(server, 'has space'), 'BAD_USER_INPUT');
    await expectCode(signUp(server, 'x'.repeat(33)), 'BAD_USER_INPUT');
    const short = http(server).request(SignInDoc, { name: uniqueName(), password: 'short' });
    await expectCode(short, 'UNAUTHENTICATED');
    const { SignUpDoc } = await import('./helpers/clients.js');
    await expectCode(
      http(server).request(SignUpDoc, { name: uniqueName(), password: 'short' }),
      'BAD_USER_INPUT',
    );
    await expectCode(
      http(server).request(SignUpDoc, { name: uniqueName(), password: 'p'.repeat(257) }),
      'BAD_USER_INPUT',
    );
  });

  it('needs a token for everything but signUp, signIn and __typename', async () => {
    await expectCode(http(server).request(MeDoc), 'UNAUTHENTICATED');
    const typename = await http(server).request<{ __typename: string }>('{ __typename }');
    expect(typename.__typename).toBe('Query');
  });

  it('refuses tampered and expired tokens over HTTP and graphql-ws', async () => {
    const alice = await signUp(server);
    const [header, payload, signature] = alice.token.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ sub: '1', exp: 9_999_999_999 })).toString('base64url')}.${signature}`;
    expect(payload).toBeDefined();
    await expectCode(http(server, tampered).request(MeDoc), 'UNAUTHENTICATED');
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(alice.id)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode('test-secret-that-is-long-enough'));
    await expectCode(http(server, expired).request(MeDoc), 'UNAUTHENTICATED');

    for (const token of [tampered, expired, undefined]) {
      const client = wsClient(server, token, { lazy: false });
      expect(await nextClose(client)).toBe(4403);
      await client.dispose();
    }
  });

  it('accepts the graphql-ws token under any case of "authorization", as GraphiQL sends it', async () => {
    const alice = await signUp(server);
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { Authorization: `Bearer ${alice.token}` },
    });
    const result = await new Promise<unknown>((resolve, reject) => {
      client.subscribe(
        { query: '{ me { id } }' },
        { next: resolve, error: reject, complete: () => undefined },
      );
    });
    expect(result).toEqual({ data: { me: { id: alice.id } } });
    await client.dispose();
  });

  it('closes a graphql-ws connection with 4403 when its token expires, and refuses it after', async () => {
    const short = await startTestServer({ TOKEN_TTL: '2' });
    try {
      const alice = await signUp(short);
      const client = wsClient(short, alice.token, { lazy: false });
      await connected(client);
      // Verified while valid (and remembered as verified): still refused once expired.
      expect((await http(short, alice.token).request(MeDoc)).me?.id).toBe(alice.id);
      expect(await nextClose(client)).toBe(4403);
      await client.dispose();
      await expectCode(http(short, alice.token).request(MeDoc), 'UNAUTHENTICATED');
      const again = wsClient(short, alice.token);
      const refused = nextClose(again);
      again.subscribe(
        { query: '{ me { id } }' },
        { next: () => {}, error: () => {}, complete: () => {} },
      );
      expect(await refused).toBe(4403);
      await again.dispose();
    } finally {
      await short.close();
    }
  });
});
