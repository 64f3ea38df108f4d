import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ChatMessage, createResumableClient } from '../src/client/index.js';
import { graphql } from './gql/index.js';
import { describeWithRedis, redisPrefix, redisUrl } from './helpers/backends.js';
import {
  ChatCreateRoomDoc,
  ChatInviteDoc,
  ChatJoinRoomDoc,
  ChatSendDirectDoc,
  ChatSendRoomDoc,
} from './helpers/chat.js';
import {
  connected,
  http,
  nextClose,
  signUp,
  subscribe,
  type TestUser,
  uniqueName,
  wsClient,
} from './helpers/clients.js';
import { collector } from './helpers/collector.js';
import {
  eventsFor,
  nextFor,
  PresenceSetDoc,
  type PresenceWatch,
  presenceMarker,
  presenceObserver,
} from './helpers/presence.js';
import { startProcess, type TestProcess } from './helpers/process.js';
import { type NetworkProxy, startProxy } from './helpers/proxy.js';
import type { TestServer } from './helpers/server.js';
import { createTestStorage, type TestStorage, testDialect } from './helpers/storage.js';

const MultiRoomMessagesDoc = graphql(`
  subscription MultiRoomMessages($roomId: ID!, $after: String) {
    roomMessages(roomId: $roomId, after: $after) {
      seq
      cursor
      content
    }
  }
`);

const MultiDirectMessagesDoc = graphql(`
  subscription MultiDirectMessages {
    directMessages {
      seq
      content
      sender {
        id
      }
    }
  }
`);

const MultiPresenceOfDoc = graphql(`
  query MultiPresenceOf($userIds: [ID!]!) {
    presence(userIds: $userIds) {
      status
      connectionCount
    }
  }
`);

const MultiTypingDoc = graphql(`
  subscription MultiTyping($roomId: ID!) {
    typing(roomId: $roomId) {
      user {
        id
      }
      typing
    }
  }
`);

const MultiSetTypingDoc = graphql(`
  mutation MultiSetTyping($roomId: ID!, $typing: Boolean!) {
    setTyping(roomId: $roomId, typing: $typing)
  }
`);

const MultiRemoveDoc = graphql(`
  mutation MultiRemove($roomId: ID!, $userId: ID!) {
    removeFromRoom(roomId: $roomId, userId: $userId) {
      id
    }
  }
`);

const PRESENCE_TTL_S = 2;

function statusesOf(sub: PresenceWatch, userId: string): string[] {
  return eventsFor(sub, userId).map((p) => p.status);
}
const MAX_CONNECTIONS = 3;
/** Timers of a loaded machine run late: how much later than PRESENCE_TTL OFFLINE may come. */
const SCHEDULING_SLACK_MS = 1_500;

// Three `npm start` processes on one database (the SQLite file in `dir`, or DATABASE_URL's
// PostgreSQL schema in the postgres project) and one Redis; B reaches Redis through a proxy
// that can cut it.
describeWithRedis(
  `several instances on one ${testDialect === 'postgres' ? 'PostgreSQL schema' : 'SQLite file'} and one Redis`,
  () => {
    let dir: string;
    let storage: TestStorage;
    let redisLink: NetworkProxy;
    let a: TestProcess;
    let b: TestProcess;
    let c: TestProcess;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'switchboard-multi-'));
      storage = await createTestStorage(dir);
      const shared = {
        REDIS_PREFIX: redisPrefix(),
        PRESENCE_TTL: String(PRESENCE_TTL_S),
        MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS),
        SEND_RATE_PER_SECOND: '100000',
        SEND_BURST: '100000',
        // A stop the audience sees is then always an explicit one, forwarded at once.
        TYPING_EXPIRY_MS: '60000',
        TYPING_INTERVAL_MS: '0',
      };
      redisLink = await startProxy(() => redisUrl ?? '');
      const { port } = new URL(redisLink.httpUrl);
      // The first one migrates the database; the others find it ready.
      a = await startProcess(storage, { ...shared, REDIS_URL: redisUrl ?? '' });
      [b, c] = await Promise.all([
        startProcess(storage, { ...shared, REDIS_URL: `redis://127.0.0.1:${port}` }),
        startProcess(storage, { ...shared, REDIS_URL: redisUrl ?? '' }),
      ]);
    }, 60_000);

    // A test that fails while B is cut must not leave it cut for the ones after it.
    afterEach(() => redisLink?.online());

    afterAll(async () => {
      await Promise.all([a?.kill(), b?.kill(), c?.kill()]);
      await redisLink?.close();
      await storage?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A room made by `owner` and joined by `members` (each through its own instance). */
    async function room(owner: TestUser, members: Array<[TestUser, TestServer]>): Promise<string> {
      const { createRoom } = await owner.http.request(ChatCreateRoomDoc, { name: uniqueName('r') });
      for (const [member, server] of members)
        await http(server, member.token).request(ChatJoinRoomDoc, { roomId: createRoom.id });
      return createRoom.id;
    }

    function send(server: TestServer, user: TestUser, roomId: string, content: string) {
      return http(server, user.token)
        .request(ChatSendRoomDoc, { roomId, content })
        .then((r) => r.sendRoomMessage);
    }

    /** Live on `server` once it has replayed the member's own "joined" message. */
    async function liveRoom(server: TestServer, user: TestUser, roomId: string) {
      const client = wsClient(server, user.token, { lazy: false });
      await connected(client);
      const sub = subscribe(client, MultiRoomMessagesDoc, { roomId });
      const [joined] = await sub.take(1);
      expect(joined?.roomMessages.content).toBe(`${user.name} joined`);
      return { client, sub, joinedSeq: joined?.roomMessages.seq ?? 0 };
    }

    function expectConsecutive(seqs: number[], from: number): void {
      expect(seqs).toEqual(seqs.map((_, i) => from + i));
    }

    async function readiness(server: TestServer): Promise<number> {
      return (await fetch(new URL('/ready', server.url))).status;
    }

    /** Polls /ready until it answers `status`: the instance has noticed its Redis link change. */
    async function readyBecomes(server: TestServer, status: number): Promise<void> {
      while ((await readiness(server)) !== status) {
        /* poll */
      }
    }

    it('sends through two instances at once get consecutive seqs, each once', async () => {
      const alice = await signUp(a);
      const bob = await signUp(b);
      const roomId = await room(alice, [[bob, b]]);
      const sends = Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0 ? send(a, alice, roomId, `a${i}`) : send(b, bob, roomId, `b${i}`),
      );
      const sent = await Promise.all(sends);
      const seqs = sent.map((m) => m.seq).sort((x, y) => x - y);
      // 1 and 2 are the two "joined" messages.
      expectConsecutive(seqs, 3);
      expect(new Set(sent.map((m) => m.id)).size).toBe(40);
    });

    it('a subscriber on B gets what is sent on A and C, in order, each once', async () => {
      const alice = await signUp(a);
      const bob = await signUp(b);
      const carol = await signUp(c);
      const roomId = await room(alice, [
        [bob, b],
        [carol, c],
      ]);
      const live = await liveRoom(b, bob, roomId);
      expect((await live.sub.take(1))[0]?.roomMessages.content).toBe(`${carol.name} joined`);
      const sent = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          i % 2 === 0
            ? send(a, alice, roomId, `from a ${i}`)
            : send(c, carol, roomId, `from c ${i}`),
        ),
      );
      const got = (await live.sub.take(30)).map((r) => r.roomMessages);
      expectConsecutive(
        got.map((m) => m.seq),
        live.joinedSeq + 2,
      );
      const bySeq = new Map(sent.map((m) => [m.seq, m.cursor]));
      expect(got.map((m) => m.cursor)).toEqual(got.map((m) => bySeq.get(m.seq)));
      await live.client.dispose();
    });

    it('direct messages cross instances, to the recipient and to every device of the sender', async () => {
      const alice = await signUp(a);
      const bob = await signUp(c);
      const bobClient = wsClient(c, bob.token, { lazy: false });
      const aliceOther = wsClient(b, alice.token, { lazy: false });
      await Promise.all([connected(bobClient), connected(aliceOther)]);
      const toBob = subscribe(bobClient, MultiDirectMessagesDoc, {});
      const ownCopy = subscribe(aliceOther, MultiDirectMessagesDoc, {});
      await http(a, alice.token).request(ChatSendDirectDoc, {
        toUserId: bob.id,
        content: 'hi bob',
      });
      const [[received], [echoed]] = await Promise.all([toBob.take(1), ownCopy.take(1)]);
      expect(received?.directMessages).toMatchObject({
        content: 'hi bob',
        sender: { id: alice.id },
      });
      expect(echoed?.directMessages).toMatchObject({ content: 'hi bob', sender: { id: alice.id } });
      await Promise.all([bobClient.dispose(), aliceOther.dispose()]);
    });

    it('presence rolls up connections on every instance, each change emitted once', async () => {
      const obs = await presenceObserver(b);
      const erin = await signUp(a);
      const onA = wsClient(a, erin.token, { lazy: false });
      await connected(onA);
      expect(await nextFor(obs.sub, erin.id)).toMatchObject({
        status: 'ONLINE',
        connectionCount: 1,
      });

      const onC = wsClient(c, erin.token, { lazy: false });
      await connected(onC);
      const { presence } = await http(b, erin.token).request(MultiPresenceOfDoc, {
        userIds: [erin.id],
      });
      expect(presence).toEqual([{ status: 'ONLINE', connectionCount: 2 }]);

      // AWAY asked over HTTP of a third instance applies to the user, wherever connected.
      await http(b, erin.token).request(PresenceSetDoc, { status: 'AWAY' });
      expect((await nextFor(obs.sub, erin.id)).status).toBe('AWAY');

      await onA.dispose();
      const m1 = await presenceMarker(obs.sub, a);
      expect(statusesOf(obs.sub, erin.id)).toEqual(['ONLINE', 'AWAY']);

      await onC.dispose();
      expect(await nextFor(obs.sub, erin.id)).toMatchObject({
        status: 'OFFLINE',
        connectionCount: 0,
      });
      const m2 = await presenceMarker(obs.sub, c);
      expect(statusesOf(obs.sub, erin.id)).toEqual(['ONLINE', 'AWAY', 'OFFLINE']);
      await Promise.all([m1.dispose(), m2.dispose(), obs.client.dispose()]);
    });

    it('typing started on one instance and stopped on another reaches a follower on a third', async () => {
      const alice = await signUp(a);
      const bob = await signUp(b);
      const probe = await signUp(a);
      const roomId = await room(alice, [
        [bob, b],
        [probe, a],
      ]);
      const bobClient = wsClient(b, bob.token, { lazy: false });
      await connected(bobClient);
      const sub = subscribe(bobClient, MultiTypingDoc, { roomId });
      // No replay either: another member types until bob hears it, then alice's turn.
      let live = false;
      const heard = sub.take(1).finally(() => {
        live = true;
      });
      for (let typing = true; !live; typing = !typing)
        await http(a, probe.token).request(MultiSetTypingDoc, { roomId, typing });
      await heard;
      const aliceEvents = collector<boolean>();
      void (async () => {
        for (;;) {
          const [event] = await sub.take(1).catch(() => []);
          if (!event) return;
          if (event.typing.user.id === alice.id) aliceEvents.push(event.typing.typing);
        }
      })();
      await http(a, alice.token).request(MultiSetTypingDoc, { roomId, typing: true });
      await aliceEvents.until(1);
      await http(c, alice.token).request(MultiSetTypingDoc, { roomId, typing: false });
      expect(await aliceEvents.until(2)).toEqual([true, false]);
      await bobClient.dispose();
    });

    it('connections per user are counted across instances', async () => {
      const grace = await signUp(a);
      const clients = [a, b, c].map((server) => wsClient(server, grace.token, { lazy: false }));
      await Promise.all(clients.map(connected));
      const extra = wsClient(b, grace.token, { lazy: false });
      expect(await nextClose(extra)).toBe(4029);
      await Promise.all([...clients, extra].map((client) => client.dispose()));
    });

    it("cut from Redis for a while, an instance's subscribers still get every message, once, in order", async () => {
      const alice = await signUp(a);
      const bob = await signUp(b);
      // The last messages of each room are sent during the cut, with no later one to reveal
      // a gap: B must catch up once it is back, and A must hear that B's publishes were lost.
      const sentOnA = await room(alice, [[bob, b]]);
      const sentOnB = await room(alice, [[bob, b]]);
      const bobListens = await liveRoom(b, bob, sentOnA);
      const aliceListens = await liveRoom(a, alice, sentOnB);
      expect((await aliceListens.sub.take(1))[0]?.roomMessages.content).toBe(`${bob.name} joined`);

      redisLink.offline();
      await readyBecomes(b, 503);
      const fromA: number[] = [];
      const fromB: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        fromA.push((await send(a, alice, sentOnA, `during, on a ${i}`)).seq);
        fromB.push((await send(b, bob, sentOnB, `during, on b ${i}`)).seq);
      }
      // One more send on B: its rate-limit call fails only when B's client drops its queued
      // commands, so once it returns, B's publishes above are lost rather than late.
      await send(b, bob, await room(bob, []), 'flushes what B queued');
      redisLink.online();
      await readyBecomes(b, 200);

      const [onB, onA] = await Promise.all([bobListens.sub.take(5), aliceListens.sub.take(5)]);
      expect(onB.map((r) => r.roomMessages.seq)).toEqual(fromA);
      expect(onA.map((r) => r.roomMessages.seq)).toEqual(fromB);
      // Nothing more comes first: each was delivered once.
      await Promise.all([send(a, alice, sentOnA, 'after'), send(b, bob, sentOnB, 'after')]);
      const [[lastOnB], [lastOnA]] = await Promise.all([
        bobListens.sub.take(1),
        aliceListens.sub.take(1),
      ]);
      expect(lastOnB?.roomMessages.content).toBe('after');
      expect(lastOnA?.roomMessages.content).toBe('after');
      await Promise.all([bobListens.client.dispose(), aliceListens.client.dispose()]);
    });

    it('a member removed from a private room while her instance was cut from Redis hears nothing more', async () => {
      const alice = await signUp(a);
      const carol = await signUp(b);
      const { createRoom } = await alice.http.request(ChatCreateRoomDoc, {
        name: uniqueName('private'),
        isPrivate: true,
      });
      const roomId = createRoom.id;
      await alice.http.request(ChatInviteDoc, { roomId, userId: carol.id });
      const carolListens = await liveRoom(b, carol, roomId);

      redisLink.offline();
      await readyBecomes(b, 503);
      // Both the removal and what follows it are lost on the way to B.
      await alice.http.request(MultiRemoveDoc, { roomId, userId: carol.id });
      await send(a, alice, roomId, 'not for carol');
      redisLink.online();
      await readyBecomes(b, 200);

      await carolListens.sub.ended;
      expect(carolListens.sub.received.map((r) => r.roomMessages.content)).toEqual([
        `${carol.name} joined`,
      ]);
      await carolListens.client.dispose();
    });

    // Last: C stays dead.
    it('kill -9 of one instance: the others serve, its users go OFFLINE within PRESENCE_TTL, its clients resume elsewhere', async () => {
      const alice = await signUp(a);
      const heidi = await signUp(c);
      const judy = await signUp(c);
      const roomId = await room(alice, [[heidi, c]]);
      const obs = await presenceObserver(a);

      // Judy is connected to C only, and does not come back.
      const judyClient = wsClient(c, judy.token, { lazy: false });
      await connected(judyClient);
      expect((await nextFor(obs.sub, judy.id)).status).toBe('ONLINE');

      // Heidi's resumable client is on C, and moves to B once C is gone.
      let target: TestServer = c;
      const heidiClient = createResumableClient({
        url: () => target.wsUrl,
        token: heidi.token,
        webSocketImpl: WebSocket,
        retryDelay: () => 100,
      });
      const got = collector<ChatMessage>();
      heidiClient.room(roomId, { next: (message) => got.push(message) });
      expect((await got.until(1))[0]?.content).toBe(`${heidi.name} joined`);
      for (let i = 0; i < 5; i += 1) await send(a, alice, roomId, `before ${i}`);
      await got.until(6);

      const killedAt = Date.now();
      await c.kill();
      target = b;
      // The survivors keep serving.
      for (let i = 0; i < 5; i += 1) await send(i % 2 ? a : b, alice, roomId, `after ${i}`);

      const offline = await nextFor(obs.sub, judy.id);
      const detectedAfterMs = Date.now() - killedAt;
      expect(offline).toMatchObject({ status: 'OFFLINE', connectionCount: 0 });
      expect(detectedAfterMs).toBeLessThan(PRESENCE_TTL_S * 1000 + SCHEDULING_SLACK_MS);
      // lastSeenAt: the last time C said judy was there, not the time it was noticed.
      expect(Date.parse(offline.lastSeenAt ?? '')).toBeLessThanOrEqual(killedAt + 100);
      const m = await presenceMarker(obs.sub, b);
      expect(statusesOf(obs.sub, judy.id)).toEqual(['ONLINE', 'OFFLINE']);

      const all = await got.until(11);
      expect(all.map((message) => message.content)).toEqual([
        `${heidi.name} joined`,
        ...Array.from({ length: 5 }, (_, i) => `before ${i}`),
        ...Array.from({ length: 5 }, (_, i) => `after ${i}`),
      ]);
      expectConsecutive(
        all.map((message) => message.seq),
        all[0]?.seq ?? 0,
      );
      await Promise.all([heidiClient.dispose(), m.dispose(), obs.client.dispose()]);
      await judyClient.dispose();
    });
  },
);
