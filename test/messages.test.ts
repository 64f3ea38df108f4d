import { print } from 'graphql';
import type { ClientError, GraphQLClient } from 'graphql-request';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { describeBackends } from './helpers/backends.js';
import {
  connected,
  expectCode,
  http,
  PASSWORD,
  type Subscription,
  signUp,
  subscribe,
  type TestUser,
  uniqueName,
  wsClient,
} from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MsgCreateRoomDoc = graphql(`
  mutation MsgCreateRoom($name: String!, $isPrivate: Boolean) {
    createRoom(name: $name, isPrivate: $isPrivate) {
      id
      name
    }
  }
`);

const MsgJoinRoomDoc = graphql(`
  mutation MsgJoinRoom($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
    }
  }
`);

const MsgSendDoc = graphql(`
  mutation MsgSend($roomId: ID!, $content: String!, $clientId: String) {
    sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) {
      id
      channel
      kind
      seq
      cursor
      content
      clientId
      sender {
        id
      }
      room {
        id
      }
    }
  }
`);

const MsgSendDirectDoc = graphql(`
  mutation MsgSendDirect($toUserId: ID!, $content: String!, $clientId: String) {
    sendDirectMessage(toUserId: $toUserId, content: $content, clientId: $clientId) {
      id
      channel
      seq
      cursor
      content
    }
  }
`);

const MsgHistoryDoc = graphql(`
  query MsgHistory($roomId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    roomHistory(roomId: $roomId, first: $first, after: $after, last: $last, before: $before) {
      edges {
        cursor
        node {
          id
          kind
          seq
          cursor
          content
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`);

const MsgDirectHistoryDoc = graphql(`
  query MsgDirectHistory($withUserId: ID!) {
    directHistory(withUserId: $withUserId) {
      edges {
        node {
          id
        }
      }
    }
  }
`);

const MsgRoomsDoc = graphql(`
  query MsgRooms {
    rooms(first: 100) {
      edges {
        node {
          id
          name
          memberCount
        }
      }
    }
  }
`);

const MsgSignInDoc = graphql(`
  mutation MsgSignIn($name: String!, $password: String!) {
    signIn(name: $name, password: $password) {
      token
      user {
        id
      }
    }
  }
`);

const MsgSetPresenceDoc = graphql(`
  mutation MsgSetPresence($status: PresenceStatus!) {
    setPresence(status: $status) {
      status
    }
  }
`);

const MsgRoomMessagesDoc = graphql(`
  subscription MsgRoomMessages($roomId: ID!, $after: String) {
    roomMessages(roomId: $roomId, after: $after) {
      id
      kind
      seq
      cursor
      content
      sender {
        id
      }
    }
  }
`);

const MsgPresenceChangedDoc = graphql(`
  subscription MsgPresenceChanged {
    presenceChanged {
      status
      user {
        id
      }
    }
  }
`);

type Received = { roomMessages: { seq: number; content: string; id: string; cursor: string } };

async function createRoom(user: TestUser, isPrivate = false): Promise<string> {
  const { createRoom } = await user.http.request(MsgCreateRoomDoc, {
    name: uniqueName('room'),
    isPrivate,
  });
  return createRoom.id;
}

async function join(user: TestUser, roomId: string): Promise<void> {
  await user.http.request(MsgJoinRoomDoc, { roomId });
}

async function send(client: GraphQLClient, roomId: string, content: string, clientId?: string) {
  const { sendRoomMessage } = await client.request(MsgSendDoc, { roomId, content, clientId });
  return sendRoomMessage;
}

/** Sends the contents with `workers` concurrent senders; returns the seq each was stored at. */
async function sendAll(
  client: GraphQLClient,
  roomId: string,
  contents: readonly string[],
  workers: number,
): Promise<Map<string, number>> {
  const seqs = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = next++; i < contents.length; i = next++) {
        const content = contents[i] as string;
        seqs.set(content, (await send(client, roomId, content)).seq);
      }
    }),
  );
  return seqs;
}

async function history(
  user: TestUser,
  roomId: string,
  args: { first?: number; after?: string; last?: number; before?: string } = {},
) {
  const { roomHistory } = await user.http.request(MsgHistoryDoc, { roomId, ...args });
  for (const edge of roomHistory.edges) expect(edge.cursor).toBe(edge.node.cursor);
  return { ...roomHistory, seqs: roomHistory.edges.map((edge) => edge.node.seq) };
}

/** Takes results one by one until one satisfies `done`; returns all of them. */
async function takeUntil<T>(sub: Subscription<T>, done: (value: T) => boolean): Promise<T[]> {
  const values: T[] = [];
  for (;;) {
    const [value] = await sub.take(1);
    values.push(value as T);
    if (done(value as T)) return values;
  }
}

function expectConsecutive(seqs: readonly number[], from: number): void {
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => from + i));
}

/** A cursor of the same stream moved `by` positions on (the seq is its last number). */
function shiftedCursor(cursor: string, seq: number, by: number): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  expect(text.endsWith(`:${seq}`), 'the cursor ends with its seq').toBe(true);
  return Buffer.from(`${text.slice(0, -String(seq).length)}${seq + by}`).toString('base64url');
}

/**
 * Resolves once `sub` (a presenceChanged subscription of `user` on `client`) is known to be
 * listening on the server: the user toggles their own presence until it reports a change.
 * Each round waits for the mutation, never for time.
 */
async function presenceListening(
  user: TestUser,
  sub: Subscription<{ presenceChanged: { user: { id: string } } }>,
): Promise<void> {
  for (let round = 0; round < 1000; round += 1) {
    const { setPresence } = await user.http.request(MsgSetPresenceDoc, {
      status: round % 2 === 0 ? 'AWAY' : 'ONLINE',
    });
    expect(setPresence.status).toBe(round % 2 === 0 ? 'AWAY' : 'ONLINE');
    if (sub.received.some((event) => event.presenceChanged.user.id === user.id)) return;
  }
  throw new Error('the presence subscription never reported a change');
}

describeBackends('messages', (backend) => {
  let server: TestServer;
  const clients: Client[] = [];
  const ws = (user: TestUser, lazy = true): Client => {
    const client = wsClient(server, user.token, { lazy });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startTestServer(backend.env());
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await server.close();
  });

  it('delivers room messages live, in order, to several subscribers, with the sent seq and cursor', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    await join(bob, roomId);
    await join(carol, roomId);
    const { pageInfo } = await history(alice, roomId, { last: 1 });
    const after = pageInfo.endCursor as string;

    const subs = [alice, bob, carol].map((user) =>
      subscribe(ws(user), MsgRoomMessagesDoc, { roomId, after }),
    );
    const sent = [];
    for (let i = 0; i < 5; i += 1) sent.push(await send(alice.http, roomId, `  hello ${i} \n`));

    expect(sent.map((m) => m.content)).toEqual([0, 1, 2, 3, 4].map((i) => `hello ${i}`));
    expect(sent.every((m) => m.channel === 'ROOM' && m.kind === 'TEXT')).toBe(true);
    expect(sent.every((m) => m.sender?.id === alice.id && m.room?.id === roomId)).toBe(true);
    expectConsecutive(
      sent.map((m) => m.seq),
      (sent[0] as { seq: number }).seq,
    );
    const expected = sent.map((m) => ({
      id: m.id,
      kind: 'TEXT',
      seq: m.seq,
      cursor: m.cursor,
      content: m.content,
      sender: { id: alice.id },
    }));
    for (const sub of subs) {
      const got = await sub.take(5);
      expect(got.map((r) => r.roomMessages)).toEqual(expected);
    }
    // Stored trimmed, as history shows.
    const stored = await history(bob, roomId, { last: 5 });
    expect(stored.edges.map((e) => e.node.content)).toEqual(sent.map((m) => m.content));
  });

  it('pages history both ways with exact pageInfo', async () => {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    // seq 1 is "<alice> joined"; then ten texts at seq 2..11.
    for (let i = 1; i <= 10; i += 1) await send(alice.http, roomId, `m${i}`);
    const all = await history(alice, roomId);
    expect(all.seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(all.edges[0]?.node.kind).toBe('SYSTEM');
    expect(all.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: all.edges[0]?.cursor,
      endCursor: all.edges[10]?.cursor,
    });
    const cursor = (seq: number) => all.edges[seq - 1]?.cursor as string;
    const info = (
      start: number | null,
      end: number | null,
      hasPreviousPage: boolean,
      hasNextPage: boolean,
    ) => ({
      hasNextPage,
      hasPreviousPage,
      startCursor: start === null ? null : cursor(start),
      endCursor: end === null ? null : cursor(end),
    });

    // Forward.
    const p1 = await history(alice, roomId, { first: 3 });
    expect(p1.seqs).toEqual([1, 2, 3]);
    expect(p1.pageInfo).toEqual(info(1, 3, false, true));
    const p2 = await history(alice, roomId, { first: 3, after: p1.pageInfo.endCursor as string });
    expect(p2.seqs).toEqual([4, 5, 6]);
    // Nothing lies between `after` and the first edge.
    expect(p2.pageInfo).toEqual(info(4, 6, false, true));
    const p3 = await history(alice, roomId, { first: 3, after: cursor(9) });
    expect(p3.seqs).toEqual([10, 11]);
    expect(p3.pageInfo).toEqual(info(10, 11, false, false));
    const empty = await history(alice, roomId, { first: 3, after: cursor(11) });
    expect(empty.seqs).toEqual([]);
    expect(empty.pageInfo).toEqual(info(null, null, false, false));

    // Backward.
    const b1 = await history(alice, roomId, { last: 3 });
    expect(b1.seqs).toEqual([9, 10, 11]);
    expect(b1.pageInfo).toEqual(info(9, 11, true, false));
    const b2 = await history(alice, roomId, { last: 3, before: b1.pageInfo.startCursor as string });
    expect(b2.seqs).toEqual([6, 7, 8]);
    // Nothing lies between the last edge and `before`.
    expect(b2.pageInfo).toEqual(info(6, 8, true, false));
    const b3 = await history(alice, roomId, { last: 3, before: cursor(3) });
    expect(b3.seqs).toEqual([1, 2]);
    expect(b3.pageInfo).toEqual(info(1, 2, false, false));
    const none = await history(alice, roomId, { last: 3, before: cursor(1) });
    expect(none.seqs).toEqual([]);
    expect(none.pageInfo).toEqual(info(null, null, false, false));

    // Windows bounded on both sides, paged either way.
    const w1 = await history(alice, roomId, { first: 3, after: cursor(2), before: cursor(8) });
    expect(w1.seqs).toEqual([3, 4, 5]);
    expect(w1.pageInfo).toEqual(info(3, 5, false, true));
    const w2 = await history(alice, roomId, { last: 2, after: cursor(2), before: cursor(8) });
    expect(w2.seqs).toEqual([6, 7]);
    expect(w2.pageInfo).toEqual(info(6, 7, true, false));
    const w3 = await history(alice, roomId, { last: 20, after: cursor(2), before: cursor(8) });
    expect(w3.seqs).toEqual([3, 4, 5, 6, 7]);
    expect(w3.pageInfo).toEqual(info(3, 7, false, false));
    const w4 = await history(alice, roomId, { after: cursor(4) });
    expect(w4.seqs).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(w4.pageInfo).toEqual(info(5, 11, false, false));
    const w5 = await history(alice, roomId, { first: 100, after: cursor(1) });
    expect(w5.seqs).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

    for (const bad of [0, -1, 101, 1000]) {
      await expectCode(history(alice, roomId, { first: bad }), 'BAD_USER_INPUT');
      await expectCode(history(alice, roomId, { last: bad }), 'BAD_USER_INPUT');
    }
  });

  it('returns the latest 50, oldest first, without arguments', async () => {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    const contents = Array.from({ length: 60 }, (_, i) => `n${i + 1}`);
    await sendAll(alice.http, roomId, contents, 1);
    // seq 1 is the join; the texts are seq 2..61, so the latest 50 are seq 12..61.
    const page = await history(alice, roomId);
    expectConsecutive(page.seqs, 12);
    expect(page.seqs).toHaveLength(50);
    expect(page.edges.map((e) => e.node.content)).toEqual(contents.slice(10));
    expect(page.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: page.edges[0]?.cursor,
      endCursor: page.edges[49]?.cursor,
    });
  });

  it('refuses cursors of other streams, unreadable ones and ones past the head', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    const otherRoomId = await createRoom(alice);
    const mine = await send(alice.http, roomId, 'here');
    // The other room's stream is longer, so its cursor's seq exists in both.
    await send(alice.http, otherRoomId, 'there 1');
    await send(alice.http, otherRoomId, 'there 2');
    const foreign = (await send(alice.http, otherRoomId, 'there 3')).cursor;
    const direct = (await alice.http.request(MsgSendDirectDoc, { toUserId: bob.id, content: 'hi' }))
      .sendDirectMessage.cursor;
    const pastHead = shiftedCursor(mine.cursor, mine.seq, 1);
    const bad = ['garbage', 'djE6cm9vbTox', '', foreign, direct, pastHead, `${mine.cursor}x`];

    // The cursor of the last message is good: an empty page, and a subscription from there.
    expect((await history(alice, roomId, { after: mine.cursor })).seqs).toEqual([]);
    for (const cursor of bad.filter(Boolean)) {
      await expectCode(history(alice, roomId, { after: cursor }), 'BAD_USER_INPUT');
      await expectCode(history(alice, roomId, { before: cursor }), 'BAD_USER_INPUT');
      await expectCode(history(alice, roomId, { first: 5, after: cursor }), 'BAD_USER_INPUT');
      await expectCode(history(alice, roomId, { last: 5, before: cursor }), 'BAD_USER_INPUT');
    }
    const client = ws(alice);
    for (const cursor of bad.filter(Boolean)) {
      const sub = subscribe(client, MsgRoomMessagesDoc, { roomId, after: cursor });
      await expectCode(sub.ended, 'BAD_USER_INPUT');
    }
    // The socket is still usable: a good cursor subscribes and receives what follows it.
    const good = subscribe(client, MsgRoomMessagesDoc, { roomId, after: mine.cursor });
    const next = await send(alice.http, roomId, 'after');
    expect((await good.take(1))[0]?.roomMessages).toMatchObject({ id: next.id, seq: mine.seq + 1 });
    good.dispose();
  });

  /** 300 stored after a cursor, 100 sent while they replay: 400, consecutive, each once. */
  async function replayWhileSending(server: TestServer): Promise<void> {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    const k = await send(alice.http, roomId, 'k');
    const stored = Array.from({ length: 300 }, (_, i) => `stored ${i}`);
    const seqs = await sendAll(alice.http, roomId, stored, 8);

    const client = wsClient(server, alice.token, { lazy: false });
    await connected(client);
    const sub = subscribe(client, MsgRoomMessagesDoc, { roomId, after: k.cursor });
    const live = Array.from({ length: 100 }, (_, i) => `live ${i}`);
    // Many sends in flight at once, so that commits land around the replay's start and end.
    const sending = sendAll(alice.http, roomId, live, 20);
    const got = (await sub.take(400)).map((r) => r.roomMessages);
    for (const [content, seq] of await sending) seqs.set(content, seq);

    expectConsecutive(
      got.map((m) => m.seq),
      k.seq + 1,
    );
    expect(new Set(got.map((m) => m.id)).size).toBe(400);
    expect(got.map((m) => m.seq)).toEqual(got.map((m) => seqs.get(m.content)));
    expect(new Set(got.map((m) => m.content))).toEqual(new Set([...stored, ...live]));
    // Nothing more was queued: the next message is the next one received.
    const marker = await send(alice.http, roomId, 'marker');
    expect((await sub.take(1))[0]?.roomMessages).toMatchObject({
      id: marker.id,
      seq: k.seq + 401,
    });
    await client.dispose();
  }

  it('replays 300 stored messages after a cursor, then 100 sent during the replay, each once', () =>
    replayWhileSending(server));

  it('hands over from replay to live across many replay pages while sends land', async () => {
    // Pages of 64: the backlog takes five reads, with commits landing between them.
    const paged = await startTestServer({ REPLAY_PAGE_SIZE: '64' });
    try {
      await replayWhileSending(paged);
    } finally {
      await paged.close();
    }
  });

  it('resumes from the stored position after a disconnect, with what was missed', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    await join(bob, roomId);

    // Carol watches presence, to learn when the server has seen Bob's socket close.
    const watcherClient = ws(carol, false);
    await connected(watcherClient);
    const watcher = subscribe(watcherClient, MsgPresenceChangedDoc, {});
    await presenceListening(carol, watcher);

    const first = ws(bob);
    const sub1 = subscribe(first, MsgRoomMessagesDoc, { roomId });
    const seen = [];
    for (let i = 1; i <= 3; i += 1) seen.push(await send(alice.http, roomId, `seen ${i}`));
    const got1 = (await sub1.take(4)).map((r) => r.roomMessages);
    // The replay starts just before Bob's own "joined" message.
    expect(got1[0]?.content).toBe(`${bob.name} joined`);
    expect(got1.slice(1).map((m) => m.id)).toEqual(seen.map((m) => m.id));

    await first.dispose();
    await takeUntil(
      watcher,
      (e) => e.presenceChanged.user.id === bob.id && e.presenceChanged.status === 'OFFLINE',
    );
    const missed = [];
    for (let i = 1; i <= 4; i += 1) missed.push(await send(alice.http, roomId, `missed ${i}`));
    const lastMissed = missed.at(-1) as { id: string; seq: number };
    const firstMissed = missed[0] as { seq: number };

    const second = ws(bob);
    const sub2 = subscribe(second, MsgRoomMessagesDoc, { roomId });
    const got2 = (await takeUntil(sub2, (r) => r.roomMessages.id === lastMissed.id)).map(
      (r) => r.roomMessages,
    );
    const from = (got2[0] as { seq: number }).seq;
    // At least once: it may start earlier, never later than the first missed message.
    expect(from).toBeLessThanOrEqual(firstMissed.seq);
    expectConsecutive(
      got2.map((m) => m.seq),
      from,
    );
    expect(got2.slice(-4).map((m) => m.id)).toEqual(missed.map((m) => m.id));
    await second.dispose();
    await watcherClient.dispose();
  });

  it('starts a new member just before their "joined" message, and a non-member live', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    await send(alice.http, roomId, 'before 1');
    await send(alice.http, roomId, 'before 2');
    await join(bob, roomId);
    const after1 = await send(alice.http, roomId, 'after 1');
    const after2 = await send(alice.http, roomId, 'after 2');

    const member = subscribe(ws(bob), MsgRoomMessagesDoc, { roomId });
    const got = (await member.take(3)).map((r) => r.roomMessages);
    expect(got.map((m) => [m.seq, m.kind, m.content])).toEqual([
      [after1.seq - 1, 'SYSTEM', `${bob.name} joined`],
      [after1.seq, 'TEXT', 'after 1'],
      [after2.seq, 'TEXT', 'after 2'],
    ]);
    const live = await send(alice.http, roomId, 'live');
    expect((await member.take(1))[0]?.roomMessages.id).toBe(live.id);

    // Carol is not a member of this public room: she gets what is sent once she listens.
    const outsider = subscribe(ws(carol), MsgRoomMessagesDoc, { roomId });
    const markers: Array<{ seq: number; content: string }> = [];
    for (let i = 0; outsider.received.length === 0 && i < 1000; i += 1)
      markers.push(await send(alice.http, roomId, `marker ${i}`));
    const [firstSeen] = await outsider.take(1);
    expect(firstSeen?.roomMessages.seq).toBeGreaterThan(live.seq);
    const index = markers.findIndex((m) => m.seq === firstSeen?.roomMessages.seq);
    expect(index).toBeGreaterThanOrEqual(0);
    const rest = (await outsider.take(markers.length - 1 - index)).map((r) => r.roomMessages);
    expect([firstSeen?.roomMessages, ...rest].map((m) => m?.content)).toEqual(
      markers.slice(index).map((m) => m.content),
    );
  });

  it('makes a repeated clientId return the first message and deliver nothing new', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    const otherRoomId = await createRoom(alice);
    await join(bob, roomId);
    const clientId = uniqueName('cid');

    const first = await send(alice.http, roomId, 'original', clientId);
    expect(first.clientId).toBe(clientId);
    const again = await send(alice.http, roomId, 'changed', clientId);
    expect(again).toEqual(first);
    const elsewhere = await send(alice.http, otherRoomId, 'other room', clientId);
    expect(elsewhere).toEqual(first);
    const { sendDirectMessage } = await alice.http.request(MsgSendDirectDoc, {
      toUserId: bob.id,
      content: 'direct',
      clientId,
    });
    expect(sendDirectMessage).toMatchObject({
      id: first.id,
      channel: 'ROOM',
      seq: first.seq,
      cursor: first.cursor,
      content: 'original',
    });
    // Another sender's clientId space is their own.
    const bobs = await send(bob.http, roomId, 'from bob', clientId);
    expect(bobs.id).not.toBe(first.id);
    expect(bobs.seq).toBe(first.seq + 1);

    const marker = await send(alice.http, roomId, 'marker');
    const got = (await subscribe(ws(bob), MsgRoomMessagesDoc, { roomId }).take(4)).map(
      (r) => r.roomMessages,
    );
    expect(got.map((m) => m.content)).toEqual([
      `${bob.name} joined`,
      'original',
      'from bob',
      'marker',
    ]);
    expect(got[3]?.id).toBe(marker.id);
    expect((await history(alice, otherRoomId)).edges.map((e) => e.node.kind)).toEqual(['SYSTEM']);
    const { directHistory } = await bob.http.request(MsgDirectHistoryDoc, {
      withUserId: alice.id,
    });
    expect(directHistory.edges).toEqual([]);
  });

  it('does not charge a repeated clientId to the rate limit', async () => {
    const limited = await startTestServer({
      ...backend.env(),
      SEND_BURST: '2',
      SEND_RATE_PER_SECOND: '1',
    });
    try {
      const alice = await signUp(limited);
      const roomId = await createRoom(alice);
      const a = await send(alice.http, roomId, 'a', 'cid-a');
      await send(alice.http, roomId, 'b', 'cid-b');
      // The bucket is empty now (it refills one token a second); repeats still answer.
      for (let i = 0; i < 5; i += 1)
        expect(await send(alice.http, roomId, 'a', 'cid-a')).toEqual(a);
      const error = await expectCode(send(alice.http, roomId, 'c', 'cid-c'), 'RATE_LIMITED');
      const retryAfterMs = (error as ClientError).response.errors?.[0]?.extensions?.retryAfterMs;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect((await history(alice, roomId)).edges.map((e) => e.node.content)).toEqual([
        `${alice.name} joined`,
        'a',
        'b',
      ]);
    } finally {
      await limited.close();
    }
  });

  it('serves a roomMessages subscription over SSE', async () => {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    const abort = new AbortController();
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${alice.token}`,
      },
      body: JSON.stringify({ query: print(MsgRoomMessagesDoc), variables: { roomId } }),
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const nextEvent = async (): Promise<Received> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trim())
            .join('\n');
          if (data) {
            const result = JSON.parse(data) as { data?: Received; errors?: unknown };
            expect(result.errors).toBeUndefined();
            if (result.data) return result.data;
          }
          continue;
        }
        const chunk = await reader.read();
        if (chunk.done) throw new Error('the event stream ended');
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    };
    // Alice's position starts before her "joined": once that arrives, the subscription is on.
    expect((await nextEvent()).roomMessages.content).toBe(`${alice.name} joined`);
    const sent = await send(alice.http, roomId, ' over sse ');
    expect((await nextEvent()).roomMessages).toMatchObject({
      id: sent.id,
      seq: sent.seq,
      cursor: sent.cursor,
      content: 'over sse',
    });
    abort.abort();
    await reader.cancel().catch(() => undefined);
  });

  it('answers GET /health with 200', async () => {
    const url = new URL(server.url);
    url.pathname = '/health';
    const response = await fetch(url);
    expect(response.status).toBe(200);
  });

  // Last: it restarts the shared server.
  it('keeps messages, rooms and users across a restart, and seq continues', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    await join(bob, roomId);
    const sent = [];
    for (let i = 0; i < 3; i += 1) sent.push(await send(alice.http, roomId, `kept ${i}`));
    const before = await history(alice, roomId);

    await server.restart();

    const { signIn } = await http(server).request(MsgSignInDoc, {
      name: alice.name,
      password: PASSWORD,
    });
    expect(signIn.user.id).toBe(alice.id);
    const again: TestUser = { ...alice, token: signIn.token, http: http(server, signIn.token) };
    const bobAgain: TestUser = { ...bob, http: http(server, bob.token) };
    expect(await history(again, roomId)).toEqual(before);
    const { rooms } = await again.http.request(MsgRoomsDoc);
    expect(rooms.edges.map((e) => e.node)).toContainEqual({
      id: roomId,
      name: expect.any(String),
      memberCount: 2,
    });
    const next = await send(bobAgain.http, roomId, 'after restart');
    expect(next.seq).toBe((sent.at(-1) as { seq: number }).seq + 1);
    const sub = subscribe(ws(bobAgain), MsgRoomMessagesDoc, {
      roomId,
      after: (sent.at(-1) as { cursor: string }).cursor,
    });
    expect((await sub.take(1))[0]?.roomMessages).toMatchObject({ id: next.id, seq: next.seq });
  });
});
