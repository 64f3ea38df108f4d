import { afterAll, beforeAll, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { describeBackends } from './helpers/backends.js';
import { connected, expectCode, signUp, type TestUser, wsClient } from './helpers/clients.js';
import {
  eventsFor,
  nextFor,
  online,
  PresenceSetDoc,
  presenceMarker,
  presenceObserver,
} from './helpers/presence.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PresOfDoc = graphql(`
  query PresOf($userIds: [ID!]!) {
    presence(userIds: $userIds) {
      user {
        id
      }
      status
      lastSeenAt
      connectionCount
    }
  }
`);

const PresOnlineDoc = graphql(`
  query PresOnline($roomId: ID) {
    onlineUsers(roomId: $roomId) {
      user {
        id
      }
      status
    }
  }
`);

const PresCreateRoomDoc = graphql(`
  mutation PresCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);

const PresJoinDoc = graphql(`
  mutation PresJoin($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
    }
  }
`);

type Presence = { status: string; lastSeenAt?: string | null; connectionCount: number };

/** Milliseconds between an ISO timestamp and now. */

describeBackends('presence', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend.env());
  });
  afterAll(() => server.close());

  async function presenceOf(user: TestUser, id = user.id): Promise<Presence | undefined> {
    const { presence } = await user.http.request(PresOfDoc, { userIds: [id] });
    return presence[0];
  }

  /** Asks for the user's presence until the server has applied a change (no sleeping). */
  async function presenceUntil(
    user: TestUser,
    done: (p: Presence | undefined) => boolean,
  ): Promise<Presence | undefined> {
    for (;;) {
      const p = await presenceOf(user);
      if (done(p)) return p;
    }
  }

  it('a user who never connected is OFFLINE, never seen, with no connection', async () => {
    const alice = await signUp(server);
    expect(await presenceOf(alice)).toEqual({
      user: { id: alice.id },
      status: 'OFFLINE',
      lastSeenAt: null,
      connectionCount: 0,
    });
  });

  it('is ONLINE from the first connection to the last, emitting once each way', async () => {
    const obs = await presenceObserver(server);
    const alice = await signUp(server);

    const before = Date.now();
    const first = await online(server, alice);
    const wentOnline = await nextFor(obs.sub, alice.id);
    expect(wentOnline).toMatchObject({ status: 'ONLINE', connectionCount: 1 });
    expect(Date.parse(wentOnline.lastSeenAt as string)).toBeGreaterThanOrEqual(before - 1000);

    const second = await online(server, alice);
    const m1 = await presenceMarker(obs.sub, server);
    expect(eventsFor(obs.sub, alice.id)).toHaveLength(1);
    expect(await presenceOf(alice)).toMatchObject({ status: 'ONLINE', connectionCount: 2 });

    await first.dispose();
    const afterOne = await presenceUntil(alice, (p) => p?.connectionCount === 1);
    expect(afterOne?.status).toBe('ONLINE');
    const m2 = await presenceMarker(obs.sub, server);
    expect(eventsFor(obs.sub, alice.id)).toHaveLength(1);

    const closedAt = Date.now();
    await second.dispose();
    const wentOffline = await nextFor(obs.sub, alice.id);
    expect(wentOffline).toMatchObject({ status: 'OFFLINE', connectionCount: 0 });
    // SEMANTICS: lastSeenAt is the moment the last connection closed, to within one second.
    expect(Math.abs(Date.parse(wentOffline.lastSeenAt as string) - closedAt)).toBeLessThan(1000);
    expect(await presenceOf(alice)).toEqual(wentOffline);
    expect(eventsFor(obs.sub, alice.id)).toHaveLength(2);

    for (const client of [m1, m2, obs.client]) await client.dispose();
  });

  it('setPresence: AWAY and back while connected, once per change; OFFLINE is refused', async () => {
    const obs = await presenceObserver(server);
    const alice = await signUp(server);
    const client = await online(server, alice);
    expect((await nextFor(obs.sub, alice.id)).status).toBe('ONLINE');

    const { setPresence: away } = await alice.http.request(PresenceSetDoc, { status: 'AWAY' });
    expect(away).toMatchObject({ user: { id: alice.id }, status: 'AWAY', connectionCount: 1 });
    expect((await nextFor(obs.sub, alice.id)).status).toBe('AWAY');

    const { setPresence: again } = await alice.http.request(PresenceSetDoc, { status: 'AWAY' });
    expect(again.status).toBe('AWAY');
    const m = await presenceMarker(obs.sub, server);
    expect(eventsFor(obs.sub, alice.id).map((p) => p.status)).toEqual(['ONLINE', 'AWAY']);

    await expectCode(alice.http.request(PresenceSetDoc, { status: 'OFFLINE' }), 'BAD_USER_INPUT');
    expect((await presenceOf(alice))?.status).toBe('AWAY');

    const { setPresence: back } = await alice.http.request(PresenceSetDoc, { status: 'ONLINE' });
    expect(back.status).toBe('ONLINE');
    expect((await nextFor(obs.sub, alice.id)).status).toBe('ONLINE');

    // AWAY ends with the last connection: OFFLINE, and AWAY without a connection changes nothing.
    await alice.http.request(PresenceSetDoc, { status: 'AWAY' });
    expect((await nextFor(obs.sub, alice.id)).status).toBe('AWAY');
    await client.dispose();
    const offline = await nextFor(obs.sub, alice.id);
    expect(offline.status).toBe('OFFLINE');
    const { setPresence: unchanged } = await alice.http.request(PresenceSetDoc, { status: 'AWAY' });
    expect(unchanged).toEqual(offline);
    expect(await presenceOf(alice)).toEqual(offline);
    const m2 = await presenceMarker(obs.sub, server);
    expect(eventsFor(obs.sub, alice.id).map((p) => p.status)).toEqual([
      'ONLINE',
      'AWAY',
      'ONLINE',
      'AWAY',
      'OFFLINE',
    ]);

    // Someone who never connected stays as they were.
    const bob = await signUp(server);
    const { setPresence: never } = await bob.http.request(PresenceSetDoc, { status: 'AWAY' });
    expect(never).toEqual({
      user: { id: bob.id },
      status: 'OFFLINE',
      lastSeenAt: null,
      connectionCount: 0,
    });

    for (const c of [m, m2, obs.client]) await c.dispose();
  });

  it('presence(userIds) leaves out unknown ids; onlineUsers lists ONLINE and AWAY users', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const carol = await signUp(server);
    const { presence } = await alice.http.request(PresOfDoc, {
      userIds: ['999999999', bob.id, 'not-an-id', alice.id],
    });
    expect(presence.map((p) => p.user.id)).toEqual([bob.id, alice.id]);

    const aliceClient = await online(server, alice);
    const carolClient = await online(server, carol);
    await carol.http.request(PresenceSetDoc, { status: 'AWAY' });
    const { onlineUsers } = await bob.http.request(PresOnlineDoc, {});
    const statuses = new Map(onlineUsers.map((p) => [p.user.id, p.status]));
    expect(statuses.get(alice.id)).toBe('ONLINE');
    expect(statuses.get(carol.id)).toBe('AWAY');
    expect(statuses.has(bob.id)).toBe(false);

    // With a room: only its members.
    const { createRoom } = await alice.http.request(PresCreateRoomDoc, { name: 'presence room' });
    await bob.http.request(PresJoinDoc, { roomId: createRoom.id });
    const { onlineUsers: inRoom } = await bob.http.request(PresOnlineDoc, {
      roomId: createRoom.id,
    });
    expect(inRoom).toEqual([{ user: { id: alice.id }, status: 'ONLINE' }]);

    await aliceClient.dispose();
    await carolClient.dispose();
  });

  it('presenceChanged(roomId) only emits for members of that room', async () => {
    const alice = await signUp(server);
    const carol = await signUp(server);
    const { createRoom } = await alice.http.request(PresCreateRoomDoc, { name: 'watched room' });
    const obs = await presenceObserver(server, createRoom.id);

    // Carol is not a member: her change must not come through before Alice's.
    const carolClient = await online(server, carol);
    await presenceUntil(carol, (p) => p?.status === 'ONLINE');
    const aliceClient = await online(server, alice);
    expect(await nextFor(obs.sub, alice.id)).toMatchObject({ status: 'ONLINE' });
    expect(eventsFor(obs.sub, carol.id)).toEqual([]);
    const members = new Set([alice.id, obs.user.id]);
    expect(obs.sub.received.every((e) => members.has(e.presenceChanged.user.id))).toBe(true);

    for (const c of [carolClient, aliceClient, obs.client]) await c.dispose();
  });

  it('survives a restart: everyone OFFLINE, lastSeenAt kept', async () => {
    const own = await startTestServer(backend.env());
    try {
      const alice = await signUp(own);
      const bob = await signUp(own);
      const aliceClient = wsClient(own, alice.token, { lazy: false });
      await connected(aliceClient);
      await aliceClient.dispose();
      let seen: Presence | undefined;
      for (;;) {
        const { presence } = await alice.http.request(PresOfDoc, { userIds: [alice.id] });
        seen = presence[0];
        if (seen?.status === 'OFFLINE') break;
      }
      expect(seen?.lastSeenAt).toEqual(expect.any(String));

      // Bob is still connected when the server stops.
      const bobClient = wsClient(own, bob.token, { lazy: false });
      await connected(bobClient);
      const bobOnline = await bob.http.request(PresOfDoc, { userIds: [bob.id] });
      expect(bobOnline.presence[0]?.status).toBe('ONLINE');

      await own.restart();

      const { presence } = await alice.http.request(PresOfDoc, { userIds: [alice.id, bob.id] });
      expect(presence[0]).toEqual(seen);
      expect(presence[1]).toMatchObject({ status: 'OFFLINE', connectionCount: 0 });
      expect(Date.parse(presence[1]?.lastSeenAt as string)).toBeGreaterThanOrEqual(
        Date.parse(bobOnline.presence[0]?.lastSeenAt as string),
      );
      await bobClient.dispose();
    } finally {
      await own.close();
    }
  });
});
