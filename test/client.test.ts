import { createClient } from 'graphql-ws';
import {
  type ChatMessage,
  type ConnectionStatus,
  createResumableClient,
  JoinRoomDocument,
  type ResumableClient,
  RoomMessagesDocument,
  request,
  SwitchboardError,
} from 'switchboard/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from './gql/index.js';
import { signUp, type TestUser, uniqueName } from './helpers/clients.js';
import { type Collector, collector } from './helpers/collector.js';
import { type NetworkProxy, startProxy } from './helpers/proxy.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CltCreateRoomDoc = graphql(`
  mutation CltCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);
const CltJoinDoc = graphql(`
  mutation CltJoin($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
    }
  }
`);
const CltSendDoc = graphql(`
  mutation CltSend($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      seq
      cursor
    }
  }
`);
const CltDirectDoc = graphql(`
  mutation CltDirect($toUserId: ID!, $content: String!) {
    sendDirectMessage(toUserId: $toUserId, content: $content) {
      seq
    }
  }
`);
const CltBroadcastDoc = graphql(`
  mutation CltBroadcast($content: String!) {
    broadcast(content: $content) {
      seq
    }
  }
`);

const contents = (messages: readonly ChatMessage[]) => messages.map((m) => m.content);
const seqs = (messages: readonly ChatMessage[]) => messages.map((m) => m.seq);
const consecutive = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => from + i);

/** Resolves at the client's next status `wanted`. */
function nextStatus(client: ResumableClient, wanted: ConnectionStatus): Promise<void> {
  return new Promise((resolve) => {
    const off = client.onStatus((status) => {
      if (status !== wanted) return;
      off();
      resolve();
    });
  });
}

describe('switchboard/client: resumable subscriptions', () => {
  let server: TestServer;
  let proxy: NetworkProxy;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;
  let client: ResumableClient;
  const adminName = uniqueName('admin');

  beforeAll(async () => {
    server = await startTestServer({ ADMIN_USERS: adminName });
    proxy = await startProxy(() => server.wsUrl);
    admin = await signUp(server, adminName);
    alice = await signUp(server);
    bob = await signUp(server);
  });
  afterEach(async () => {
    await client?.dispose();
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  async function streamsOfBob() {
    ({
      createRoom: { id: roomId },
    } = await alice.http.request(CltCreateRoomDoc, { name: uniqueName('room') }));
    await bob.http.request(CltJoinDoc, { roomId });
    client = createResumableClient({
      // Through the proxy, which follows the server to its new port after a restart.
      url: () => proxy.wsUrl,
      token: bob.token,
      webSocketImpl: WebSocket,
      retryDelay: () => 20,
    });
    const room = collector<ChatMessage>();
    const direct = collector<ChatMessage>();
    const broadcasts = collector<ChatMessage>();
    const subscriptions = [
      client.room(roomId, { next: (m) => room.push(m) }),
      client.direct({ next: (m) => direct.push(m) }),
      client.broadcasts({ next: (m) => broadcasts.push(m) }),
    ];
    return { room, direct, broadcasts, subscriptions };
  }

  async function sendAll(tag: string, n: number) {
    for (let i = 1; i <= n; i += 1) {
      await alice.http.request(CltSendDoc, { roomId, content: `${tag} room ${i}` });
      await alice.http.request(CltDirectDoc, { toUserId: bob.id, content: `${tag} dm ${i}` });
      await admin.http.request(CltBroadcastDoc, { content: `${tag} all ${i}` });
    }
  }

  async function expectStreams(
    streams: Record<'room' | 'direct' | 'broadcasts', Collector<ChatMessage>>,
    tags: string[],
    perTag: number,
  ) {
    const expected = (kind: string) =>
      tags.flatMap((tag) => Array.from({ length: perTag }, (_, i) => `${tag} ${kind} ${i + 1}`));
    const total = tags.length * perTag;
    // The room stream starts with bob's own "joined".
    const room = await streams.room.until(total + 1);
    expect(contents(room.slice(1))).toEqual(expected('room'));
    expect(room[0]?.kind).toBe('SYSTEM');
    const direct = await streams.direct.until(total);
    expect(contents(direct)).toEqual(expected('dm'));
    const broadcasts = await streams.broadcasts.until(total);
    expect(contents(broadcasts)).toEqual(expected('all'));
    // Exactly once and in order: consecutive seqs, and nothing more arrived meanwhile.
    for (const stream of [room, direct, broadcasts]) {
      const first = stream[0]?.seq ?? 0;
      expect(seqs(stream)).toEqual(consecutive(first, stream.length));
    }
    expect(streams.room.items).toHaveLength(total + 1);
    expect(streams.direct.items).toHaveLength(total);
    expect(streams.broadcasts.items).toHaveLength(total);
  }

  it('resumes room, direct and broadcast streams exactly once across a network drop', async () => {
    const streams = await streamsOfBob();
    await sendAll('before', 2);
    await expectStreams(streams, ['before'], 2);

    const dropped = nextStatus(client, 'disconnected');
    proxy.offline();
    await dropped;
    await sendAll('offline', 2);
    const back = nextStatus(client, 'connected');
    proxy.online();
    await back;
    await sendAll('after', 2);
    await expectStreams(streams, ['before', 'offline', 'after'], 2);
  });

  it('resumes across server restarts, with sends during the outage', async () => {
    const streams = await streamsOfBob();
    await sendAll('first', 2);
    await expectStreams(streams, ['first'], 2);

    // A restart while connected: the server closes with 1001 and comes back on a new port.
    const reconnected = nextStatus(client, 'connected');
    await server.restart();
    await reconnected;
    await sendAll('second', 2);

    // Offline across a restart, while others send.
    const dropped = nextStatus(client, 'disconnected');
    proxy.offline();
    await dropped;
    await server.restart();
    await sendAll('outage', 2);
    proxy.online();
    await sendAll('third', 2);
    await expectStreams(streams, ['first', 'second', 'outage', 'third'], 2);
    for (const subscription of streams.subscriptions)
      expect(subscription.cursor).toEqual(expect.any(String));
  });

  it('notices a silent dead link by its keep-alive, and resumes', async () => {
    ({
      createRoom: { id: roomId },
    } = await alice.http.request(CltCreateRoomDoc, { name: uniqueName('room') }));
    await bob.http.request(CltJoinDoc, { roomId });
    client = createResumableClient({
      url: proxy.wsUrl,
      token: bob.token,
      webSocketImpl: WebSocket,
      retryDelay: () => 20,
      keepAlive: 200,
    });
    const room = collector<ChatMessage>();
    client.room(roomId, { next: (m) => room.push(m) });
    await alice.http.request(CltSendDoc, { roomId, content: 'a' });
    await room.until(2);

    // No close, no error: the link just stops carrying anything. Only a missing pong tells.
    const dropped = nextStatus(client, 'disconnected');
    proxy.freeze();
    await dropped;
    for (const content of ['b', 'c']) await alice.http.request(CltSendDoc, { roomId, content });
    const back = nextStatus(client, 'connected');
    proxy.thaw();
    await back;
    const all = await room.until(4);
    expect(contents(all.slice(1))).toEqual(['a', 'b', 'c']);
    expect(seqs(all)).toEqual(consecutive(all[0]?.seq ?? 0, 4));
    expect(room.items).toHaveLength(4);
  });

  it('hands a refused subscription to error, without retrying', async () => {
    client = createResumableClient({
      url: server.wsUrl,
      token: bob.token,
      webSocketImpl: WebSocket,
    });
    const failed = new Promise<unknown>((resolve) => {
      client.room('999999', { next: () => undefined, error: resolve });
    });
    const errors = (await failed) as Array<{ extensions?: { code?: string } }>;
    expect(errors[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('types its HTTP requests and reports error codes', async () => {
    const failure = await request(
      server.url,
      JoinRoomDocument,
      { roomId: '999999' },
      bob.token,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SwitchboardError);
    expect((failure as SwitchboardError).code).toBe('NOT_FOUND');
  });
});

describe('plain graphql-ws, for comparison', () => {
  let server: TestServer;
  let proxy: NetworkProxy;
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  it('resubscribes with the variables it started with, so `after` replays again', async () => {
    server = await startTestServer();
    proxy = await startProxy(() => server.wsUrl);
    const alice = await signUp(server);
    const { createRoom } = await alice.http.request(CltCreateRoomDoc, { name: 'plain' });
    const { sendRoomMessage: start } = await alice.http.request(CltSendDoc, {
      roomId: createRoom.id,
      content: 'start',
    });
    const plain = createClient({
      url: proxy.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${alice.token}` },
      retryAttempts: 5,
      retryWait: async () => undefined,
    });
    const seen = collector<string>();
    const dispose = plain.subscribe<{ roomMessages: ChatMessage }>(
      {
        query: RoomMessagesDocument.toString(),
        variables: { roomId: createRoom.id, after: start.cursor },
      },
      {
        next: (result) => seen.push(result.data?.roomMessages.content ?? ''),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    for (const content of ['one', 'two'])
      await alice.http.request(CltSendDoc, { roomId: createRoom.id, content });
    await seen.until(2);
    const dropped = new Promise<void>((resolve) => plain.on('closed', () => resolve()));
    proxy.offline();
    await dropped;
    proxy.online();
    await alice.http.request(CltSendDoc, { roomId: createRoom.id, content: 'three' });
    // Resubscribed with after = "start" again: one and two come twice.
    expect(await seen.until(5)).toEqual(['one', 'two', 'one', 'two', 'three']);
    dispose();
    await plain.dispose();
  });
});

describe('switchboard/client: after a slow-consumer cut-off', () => {
  const MESSAGE_CHARS = 1_000_000;
  const PER_ROUND = 16;

  it('resumes with its cursor after a 4413 and gets every message once, in order', async () => {
    // The live budget is small, but a stalled reader is cut off only once the kernel's socket
    // buffers (tens of MB on loopback) are full and output piles up in the server: messages
    // of a million characters fill them in a few dozen sends.
    const server = await startTestServer({
      MAX_UNSENT_LIVE_BYTES: '1024',
      MAX_MESSAGE_LENGTH: String(MESSAGE_CHARS),
      MAX_BODY_BYTES: String(2 * MESSAGE_CHARS),
      SQLITE_SYNCHRONOUS: 'NORMAL',
    });
    const proxy = await startProxy(() => server.wsUrl);
    const alice = await signUp(server);
    const bob = await signUp(server);
    const {
      createRoom: { id: roomId },
    } = await alice.http.request(CltCreateRoomDoc, { name: uniqueName('room') });
    await bob.http.request(CltJoinDoc, { roomId });
    const send = async (content: string) =>
      (await alice.http.request(CltSendDoc, { roomId, content })).sendRoomMessage;
    // No keep-alive: a frozen link must not be dropped by the client before the server acts.
    const resumable = createResumableClient({
      url: proxy.wsUrl,
      token: bob.token,
      webSocketImpl: WebSocket,
      retryDelay: () => 20,
      keepAlive: 0,
    });
    try {
      const room = collector<ChatMessage>();
      const subscription = resumable.room(roomId, { next: (m) => room.push(m) });
      await send('first');
      await room.until(2);

      let cutOffCode: number | undefined;
      const cutOff = new Promise<number>((resolve) => {
        const off = resumable.ws.on('closed', (event) => {
          off();
          cutOffCode = (event as { code: number }).code;
          resolve(cutOffCode);
        });
      });
      const back = nextStatus(resumable, 'connected');
      // Rounds of a stalled link: the link freezes, alice sends, the link comes back; until
      // the server has cut bob off (the close comes after what the socket held).
      let sent = 1;
      for (let round = 0; cutOffCode === undefined && round < 5; round += 1) {
        proxy.freeze();
        for (let i = 0; i < PER_ROUND; i += 1)
          await send(`${round}.${i} `.padEnd(MESSAGE_CHARS, 'x'));
        sent += PER_ROUND;
        proxy.thaw();
        await Promise.race([cutOff, room.until(sent + 1)]);
      }
      expect(await cutOff).toBe(4413);
      await back;
      const last = await send('last');
      sent += 1;

      // bob's "joined", then every message: consecutive seqs, each once, ending with the last.
      const all = await room.until(sent + 1);
      expect(all[0]?.kind).toBe('SYSTEM');
      expect(seqs(all)).toEqual(consecutive(all[0]?.seq ?? 0, sent + 1));
      expect(new Set(all.map((m) => m.id)).size).toBe(sent + 1);
      expect(all.at(-1)?.content).toBe('last');
      expect(room.items).toHaveLength(sent + 1);
      expect(subscription.cursor).toBe(last.cursor);
    } finally {
      await resumable.dispose();
      await proxy.close();
      await server.close();
    }
  }, 120_000);
});
