import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './gql/index.js';
import { describeBackends } from './helpers/backends.js';
import { connected, signUp, type TestUser, uniqueName, wsClient } from './helpers/clients.js';
import { metricOf } from './helpers/metrics.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SlowCreateRoomDoc = graphql(`
  mutation SlowCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);

const SlowJoinDoc = graphql(`
  mutation SlowJoin($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
    }
  }
`);

const SlowSendDoc = graphql(`
  mutation SlowSend($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      seq
      cursor
    }
  }
`);

const SlowFollowDoc = graphql(`
  subscription SlowFollow($roomId: ID!, $after: String) {
    roomMessages(roomId: $roomId, after: $after) {
      seq
      cursor
      content
    }
  }
`);

/** SEMANTICS.md "slow reader". */
const SLOW_CONSUMER = 4413;
const FLOOD_MESSAGES = 6000;
/** MAX_MESSAGE_LENGTH: 4 KB of content per message. */
const MESSAGE_CHARS = 4000;
const FLOOD_BYTES = FLOOD_MESSAGES * MESSAGE_CHARS;
const SLOW_READERS = 3;

interface Delivered {
  seq: number;
  cursor: string;
  content: string;
}

/**
 * Checks a subscription as it runs, keeping only the last message, so that following a
 * flood costs the test process no memory (the server's memory is what is measured).
 */
interface Follower {
  /** Resolves once the message with this seq has arrived (all before it, in order). */
  reached(seq: number): Promise<Delivered>;
  readonly count: number;
  readonly contents: ReadonlySet<string>;
}

/** Messages must arrive exactly as firstSeq, firstSeq + 1, ...; anything else fails it. */
function follow(
  client: Client,
  roomId: string,
  after: string | undefined,
  firstSeq: number,
  keepContent: (content: string) => string | undefined = () => undefined,
): Follower {
  let expected = firstSeq;
  let last: Delivered | undefined;
  let failure: Error | undefined;
  let count = 0;
  const contents = new Set<string>();
  const waiters: Array<{
    seq: number;
    resolve: (m: Delivered) => void;
    reject: (e: Error) => void;
  }> = [];
  const settle = () => {
    for (const waiter of [...waiters]) {
      if (last && last.seq >= waiter.seq) waiter.resolve(last);
      else if (failure) waiter.reject(failure);
      else continue;
      waiters.splice(waiters.indexOf(waiter), 1);
    }
  };
  const fail = (error: Error) => {
    failure ??= error;
    settle();
  };
  client.subscribe<{ roomMessages: Delivered }>(
    { query: print(SlowFollowDoc), variables: { roomId, after } },
    {
      next: ({ data, errors }) => {
        const message = data?.roomMessages;
        if (errors?.length || !message) return fail(new Error(JSON.stringify(errors)));
        if (message.seq !== expected)
          return fail(new Error(`expected seq ${expected}, got ${message.seq}`));
        expected += 1;
        count += 1;
        const kept = keepContent(message.content);
        if (kept !== undefined) contents.add(kept);
        last = { seq: message.seq, cursor: message.cursor, content: '' };
        settle();
      },
      error: (error) => fail(new Error(`subscription failed: ${JSON.stringify(error)}`)),
      complete: () => fail(new Error('subscription completed')),
    },
  );
  return {
    reached: (seq) =>
      new Promise((resolve, reject) => {
        waiters.push({ seq, resolve, reject });
        settle();
      }),
    get count() {
      return count;
    },
    contents,
  };
}

/** graphql-ws wire messages, as much of them as these tests read. */
interface WireMessage {
  type: string;
  payload?: { data?: { roomMessages?: Delivered } };
}

/**
 * A graphql-ws client on a bare `ws` socket, so that its reading can be paused (ws's typed
 * pause(): the TCP socket stops being read, and the server's writes back up).
 */
interface RawReader {
  readonly socket: WebSocket;
  /** The last message it processed (read from the socket), in order from its first. */
  readonly last: Delivered | undefined;
  readonly count: number;
  reached(seq: number): Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
}

async function rawReader(
  server: TestServer,
  token: string,
  roomId: string,
  after?: string,
): Promise<RawReader> {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  let last: Delivered | undefined;
  let count = 0;
  let failure: Error | undefined;
  const waiters: Array<{ seq: number; resolve: () => void; reject: (e: Error) => void }> = [];
  const settle = () => {
    for (const waiter of [...waiters]) {
      if (last && last.seq >= waiter.seq) waiter.resolve();
      else if (failure) waiter.reject(failure);
      else continue;
      waiters.splice(waiters.indexOf(waiter), 1);
    }
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => {
      failure ??= new Error(`closed with ${code}`);
      settle();
      resolve({ code, reason: reason.toString() });
    }),
  );
  const acknowledged = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as WireMessage;
      if (message.type === 'connection_ack') return resolve();
      const delivered = message.payload?.data?.roomMessages;
      if (message.type !== 'next' || !delivered) {
        failure ??= new Error(`unexpected ${String(data).slice(0, 200)}`);
        return settle();
      }
      if (last && delivered.seq !== last.seq + 1)
        failure ??= new Error(`expected seq ${last.seq + 1}, got ${delivered.seq}`);
      last = { seq: delivered.seq, cursor: delivered.cursor, content: '' };
      count += 1;
      settle();
    });
    socket.once('close', (code) => reject(new Error(`closed with ${code} before ack`)));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve).once('error', reject);
  });
  socket.send(
    JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
  );
  await acknowledged;
  socket.send(
    JSON.stringify({
      id: 'flooded',
      type: 'subscribe',
      payload: { query: print(SlowFollowDoc), variables: { roomId, after } },
    }),
  );
  return {
    socket,
    get last() {
      return last;
    },
    get count() {
      return count;
    },
    reached: (seq) =>
      new Promise((resolve, reject) => {
        waiters.push({ seq, resolve, reject });
        settle();
      }),
    closed,
  };
}

/**
 * A message to subscribe after: these readers are not members, and without a cursor a
 * subscription is live only, so one set up after a send's publish would never get it.
 */
async function startMessage(user: TestUser, roomId: string): Promise<Delivered> {
  const { sendRoomMessage } = await user.http.request(SlowSendDoc, { roomId, content: 'start' });
  return { ...sendRoomMessage, content: 'start' };
}

/** Sends `count` messages with at most `inFlight` requests open at once. */
async function sendConcurrently(
  user: TestUser,
  roomId: string,
  count: number,
  inFlight: number,
  content: (i: number) => string,
): Promise<void> {
  const client = user.http;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      await client.request(SlowSendDoc, { roomId, content: content(i) });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** V8's gc(), so that heap sizes measure what is retained, not what awaits collection. */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function retainedHeap(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function healthStatus(server: TestServer): Promise<number> {
  const response = await fetch(new URL('/health', server.url));
  return response.status;
}

// ~20 s on an idle 2-core machine; generous so a busy CI machine slows it without failing it.
const FLOOD_TIMEOUT_MS = 240_000;

describeBackends('slow consumers and publish bursts', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    // Thousands of sends: durability per commit (FULL) is not what is tested here.
    server = await startTestServer(
      { ...backend.env(), SQLITE_SYNCHRONOUS: 'NORMAL' },
      { synchronousCommit: false },
    );
  }, 120_000);
  afterAll(() => server.close());

  async function room(owner: TestUser): Promise<string> {
    const { createRoom } = await owner.http.request(SlowCreateRoomDoc, { name: uniqueName() });
    return createRoom.id;
  }

  it(
    'cuts off paused readers with 4413 while a fast reader gets every message, memory bounded, nothing lost',
    async () => {
      const owner = await signUp(server);
      const roomId = await room(owner);
      const fastUser = await signUp(server);
      const fastClient = wsClient(server, fastUser.token, { lazy: false });
      await connected(fastClient);
      const slowUsers = await Promise.all(
        Array.from({ length: SLOW_READERS }, () => signUp(server)),
      );
      // From a cursor, not live only: a subscription set up after the marker's publish
      // still gets it (from storage). Once it arrives everywhere, every subscription is live.
      const start = await startMessage(owner, roomId);
      const slow = await Promise.all(
        slowUsers.map((user) => rawReader(server, user.token, roomId, start.cursor)),
      );
      const fast = follow(
        fastClient,
        roomId,
        start.cursor,
        start.seq + 1,
        (content) => content.split(':')[0],
      );
      const { sendRoomMessage: marker } = await owner.http.request(SlowSendDoc, {
        roomId,
        content: 'ready',
      });
      expect(marker.seq).toBe(start.seq + 1);
      await fast.reached(marker.seq);
      await Promise.all(slow.map((reader) => reader.reached(marker.seq)));
      for (const reader of slow) reader.socket.pause();

      const gc = collectGarbage();
      const heapBefore = retainedHeap(gc);
      const head = marker.seq + FLOOD_MESSAGES;
      const flood = sendConcurrently(owner, roomId, FLOOD_MESSAGES, 32, (i) =>
        `${i}:`.padEnd(MESSAGE_CHARS, 'x'),
      );
      // ws drops a closed socket 30 s after its close frame: on a busy machine the flood
      // outlasts that, so each reader is resumed as soon as the server has cut it off.
      await vi.waitFor(
        async () =>
          expect(await metricOf(server, 'switchboard_slow_consumer_closes_total')).toBe(
            SLOW_READERS,
          ),
        { timeout: FLOOD_TIMEOUT_MS, interval: 50 },
      );
      for (const reader of slow) reader.socket.resume();
      await flood;
      await fast.reached(head);
      // Unbounded queues would hold the flood's messages for the paused readers (one copy
      // shared between them: FLOOD_BYTES minus what the kernel's buffers took, measured at
      // 27 MB), bounded ones at most 4 MiB each until they are cut off and freed (5 MB).
      const growth = retainedHeap(gc) - heapBefore;
      expect(growth).toBeLessThan(FLOOD_BYTES / 2);

      expect(fast.count).toBe(FLOOD_MESSAGES + 1);
      expect(fast.contents.size).toBe(FLOOD_MESSAGES + 1);
      for (const i of [0, 1, FLOOD_MESSAGES / 2, FLOOD_MESSAGES - 1])
        expect(fast.contents.has(String(i))).toBe(true);
      expect(await healthStatus(server)).toBe(200);

      // The close frame waits behind what the socket had buffered; reading reaches it.
      for (const reader of slow) {
        expect(await reader.closed).toEqual({ code: SLOW_CONSUMER, reason: 'slow consumer' });
        const last = reader.last;
        if (!last) throw new Error('the slow reader processed nothing');
        expect(last.seq).toBeGreaterThanOrEqual(marker.seq);
        expect(last.seq).toBeLessThan(head);
        expect(reader.count).toBe(last.seq - marker.seq + 1);
      }

      // Each resumes from the last message it processed and gets the rest, exactly once.
      const resumed = slow.map((reader, i) => {
        const last = reader.last as Delivered;
        const client = wsClient(server, slowUsers[i]?.token);
        return { client, follower: follow(client, roomId, last.cursor, last.seq + 1), last };
      });
      for (const { follower, last } of resumed) {
        await follower.reached(head);
        expect(follower.count).toBe(head - last.seq);
      }
      expect(await healthStatus(server)).toBe(200);

      fastClient.dispose();
      for (const { client } of resumed) client.dispose();
    },
    FLOOD_TIMEOUT_MS,
  );

  it(
    'replays a backlog past the live limit to a paused reader at its own pace: no 4413, memory bounded',
    async () => {
      // Pages of 100 (400 KB): a paced replay holds about one, a backlog 15 of them.
      const paged = await startTestServer(
        { ...backend.env(), SQLITE_SYNCHRONOUS: 'NORMAL', REPLAY_PAGE_SIZE: '100' },
        { synchronousCommit: false },
      );
      try {
        const owner = await signUp(paged);
        const roomId = await room(owner);
        const reader = await signUp(paged);
        await reader.http.request(SlowJoinDoc, { roomId });
        // The reader is away while 1500 messages of 4 KB (6 MB, past the 4 MiB limit) arrive.
        const backlog = 1500;
        await sendConcurrently(owner, roomId, backlog, 32, (i) =>
          `${i}:`.padEnd(MESSAGE_CHARS, 'x'),
        );
        // The bystander follows from the last of it: it cannot miss the first live send.
        const last = await startMessage(owner, roomId);
        const head = last.seq;
        expect(head).toBe(2 + backlog + 1);

        const gc = collectGarbage();
        const heapBefore = retainedHeap(gc);
        const paused = await rawReader(paged, reader.token, roomId);
        paused.socket.pause();

        // Meanwhile others are served at once: the replay waits on its own socket only.
        const bystanderClient = wsClient(paged, (await signUp(paged)).token, { lazy: false });
        await connected(bystanderClient);
        const bystander = follow(bystanderClient, roomId, last.cursor, head + 1, (c) => c);
        for (let i = 0; i < 20; i += 1) {
          const { sendRoomMessage } = await owner.http.request(SlowSendDoc, {
            roomId,
            content: `live ${i}`,
          });
          await bystander.reached(sendRoomMessage.seq);
        }
        // A replay that ignored the reader's pace would hold the whole backlog by now.
        expect(retainedHeap(gc) - heapBefore).toBeLessThan((backlog * MESSAGE_CHARS) / 2);
        expect(paused.count).toBeLessThan(backlog);

        paused.socket.resume();
        await paused.reached(head + 20);
        expect(paused.count).toBe(head + 20 - 1);
        paused.socket.close(1000);
        expect((await paused.closed).code).toBe(1000);
        bystanderClient.dispose();
      } finally {
        await paged.close();
      }
    },
    FLOOD_TIMEOUT_MS,
  );

  it(
    'delivers 5000 sends fired at once to two subscribers, consecutive and complete',
    async () => {
      const owner = await signUp(server);
      const roomId = await room(owner);
      const clients = await Promise.all(
        [0, 1].map(async () => {
          const client = wsClient(server, (await signUp(server)).token, { lazy: false });
          await connected(client);
          return client;
        }),
      );
      const start = await startMessage(owner, roomId);
      const followers = clients.map((client) =>
        follow(client, roomId, start.cursor, start.seq + 1, (content) => content),
      );
      const { sendRoomMessage: marker } = await owner.http.request(SlowSendDoc, {
        roomId,
        content: 'ready',
      });
      await Promise.all(followers.map((follower) => follower.reached(marker.seq)));

      const total = 5000;
      const chunk = 500;
      const client = owner.http;
      for (let start = 0; start < total; start += chunk) {
        await Promise.all(
          Array.from({ length: chunk }, (_, i) =>
            client.request(SlowSendDoc, { roomId, content: `burst ${start + i}` }),
          ),
        );
      }

      for (const follower of followers) {
        await follower.reached(marker.seq + total);
        expect(follower.count).toBe(total + 1);
        expect(follower.contents.size).toBe(total + 1);
        expect(follower.contents.has(`burst ${total - 1}`)).toBe(true);
      }
      expect(await healthStatus(server)).toBe(200);
      for (const c of clients) c.dispose();
    },
    FLOOD_TIMEOUT_MS,
  );
});
