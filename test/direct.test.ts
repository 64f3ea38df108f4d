import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { describeBackends } from './helpers/backends.js';
import { expectCode, signUp, subscribe, type TestUser, wsClient } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DirectSendDoc = graphql(`
  mutation DirectSend($toUserId: ID!, $content: String!, $clientId: String) {
    sendDirectMessage(toUserId: $toUserId, content: $content, clientId: $clientId) {
      id
      channel
      kind
      seq
      cursor
      content
      clientId
      room {
        id
      }
      sender {
        id
        name
      }
      recipient {
        id
        name
      }
    }
  }
`);

const DirectHistoryDoc = graphql(`
  query DirectHistory($withUserId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    directHistory(withUserId: $withUserId, first: $first, after: $after, last: $last, before: $before) {
      edges {
        cursor
        node {
          id
          seq
          cursor
          content
          sender {
            id
          }
          recipient {
            id
          }
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

const DirectMessagesDoc = graphql(`
  subscription DirectMessages($after: String) {
    directMessages(after: $after) {
      id
      channel
      kind
      seq
      cursor
      content
      sender {
        id
      }
      recipient {
        id
      }
    }
  }
`);

const DirectBroadcastDoc = graphql(`
  mutation DirectBroadcast($content: String!, $clientId: String) {
    broadcast(content: $content, clientId: $clientId) {
      id
      channel
      kind
      seq
      cursor
      content
      sender {
        id
      }
      recipient {
        id
      }
    }
  }
`);

const DirectBroadcastHistoryDoc = graphql(`
  query DirectBroadcastHistory($first: Int, $after: String, $last: Int, $before: String) {
    broadcastHistory(first: $first, after: $after, last: $last, before: $before) {
      edges {
        cursor
        node {
          id
          channel
          seq
          content
          sender {
            id
          }
          recipient {
            id
          }
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        endCursor
      }
    }
  }
`);

const DirectBroadcastsDoc = graphql(`
  subscription DirectBroadcasts($after: String) {
    broadcasts(after: $after) {
      id
      channel
      seq
      cursor
      content
      sender {
        id
      }
    }
  }
`);

const ADMIN_NAME = 'root_admin';

describeBackends('direct messages and broadcasts', (backend) => {
  let server: TestServer;
  let admin: TestUser;
  const clients: Client[] = [];

  /** A graphql-ws client for the user, disposed after each test. */
  const ws = (user: TestUser): Client => {
    const client = wsClient(server, user.token);
    clients.push(client);
    return client;
  };

  const send = async (from: TestUser, to: TestUser, content: string, clientId?: string) =>
    (await from.http.request(DirectSendDoc, { toUserId: to.id, content, clientId }))
      .sendDirectMessage;

  const history = async (
    viewer: TestUser,
    withUserId: string,
    page: { first?: number; after?: string; last?: number; before?: string } = {},
  ) => (await viewer.http.request(DirectHistoryDoc, { withUserId, ...page })).directHistory;

  const broadcastHead = async (viewer: TestUser) =>
    (await viewer.http.request(DirectBroadcastHistoryDoc, { last: 1 })).broadcastHistory;

  beforeAll(async () => {
    server = await startTestServer({
      ...backend.env(),
      ADMIN_USERS: ADMIN_NAME,
    });
    admin = await signUp(server, ADMIN_NAME);
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  it('delivers a DM to the recipient and every connection of the sender, with each inbox its own seq', async () => {
    const [alice, bob, carol, dave] = await Promise.all([
      signUp(server),
      signUp(server),
      signUp(server),
      signUp(server),
    ]);
    // Alice's inbox gets longer than Bob's beforehand: 3 entries against Bob's 0.
    await send(alice, carol, 'one');
    await send(alice, carol, 'two');
    const before = await send(alice, carol, 'three');
    expect(before.seq).toBe(3);

    // Both of Alice's devices resume exactly after her last inbox entry.
    const aliceA = subscribe(ws(alice), DirectMessagesDoc, { after: before.cursor });
    const aliceB = subscribe(ws(alice), DirectMessagesDoc, { after: before.cursor });
    // Bob and Dave start from their sign-up position.
    const bobSub = subscribe(ws(bob), DirectMessagesDoc, {});
    const daveSub = subscribe(ws(dave), DirectMessagesDoc, {});

    const sent = await send(alice, bob, '  hello bob  ', 'dm-hello');
    expect(sent).toMatchObject({
      channel: 'DIRECT',
      kind: 'TEXT',
      seq: 4,
      content: 'hello bob',
      clientId: 'dm-hello',
      room: null,
      sender: { id: alice.id, name: alice.name },
      recipient: { id: bob.id, name: bob.name },
    });

    const [[onA], [onB], [onBob]] = await Promise.all([
      aliceA.take(1),
      aliceB.take(1),
      bobSub.take(1),
    ]);
    const expectedCommon = {
      id: sent.id,
      channel: 'DIRECT',
      kind: 'TEXT',
      content: 'hello bob',
      sender: { id: alice.id },
      recipient: { id: bob.id },
    };
    // The sender's devices see the entry of her own inbox: the one the mutation answered.
    expect(onA?.directMessages).toEqual({ ...expectedCommon, seq: 4, cursor: sent.cursor });
    expect(onB?.directMessages).toEqual({ ...expectedCommon, seq: 4, cursor: sent.cursor });
    // The recipient sees the same message at its place in his own inbox.
    expect(onBob?.directMessages).toMatchObject({ ...expectedCommon, seq: 1 });
    expect(onBob?.directMessages.cursor).not.toBe(sent.cursor);

    // Dave receives nothing of it: a later DM to him is the first and only thing he gets.
    const marker = await send(carol, dave, 'marker for dave');
    const [onDave] = await daveSub.take(1);
    expect(onDave?.directMessages).toMatchObject({
      id: marker.id,
      seq: 1,
      content: 'marker for dave',
    });
    expect(daveSub.received).toHaveLength(1);

    // Each side's history shows its own seq and cursor for the same message.
    const bobView = await history(bob, alice.id);
    expect(bobView.edges.map((e) => [e.node.id, e.node.seq])).toEqual([[sent.id, 1]]);
    expect(bobView.edges[0]?.cursor).toBe(onBob?.directMessages.cursor);
    const aliceView = await history(alice, bob.id);
    expect(aliceView.edges.map((e) => [e.node.id, e.node.seq, e.cursor])).toEqual([
      [sent.id, 4, sent.cursor],
    ]);
  });

  it('keeps a DM to oneself once in one’s inbox', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const note = await send(alice, alice, 'note to self');
    expect(note).toMatchObject({
      seq: 1,
      sender: { id: alice.id },
      recipient: { id: alice.id },
    });
    const sub = subscribe(ws(alice), DirectMessagesDoc, {});
    const [first] = await sub.take(1);
    expect(first?.directMessages).toMatchObject({ id: note.id, seq: 1, cursor: note.cursor });
    // A later DM comes right after it: the note was not delivered twice.
    const later = await send(bob, alice, 'after the note');
    const [second] = await sub.take(1);
    expect(second?.directMessages).toMatchObject({ id: later.id, seq: 2 });
    expect(sub.received.map((r) => r.directMessages.id)).toEqual([note.id, later.id]);

    const own = await history(alice, alice.id);
    expect(own.edges.map((e) => e.node.id)).toEqual([note.id]);
  });

  it('numbers each inbox consecutively from 1', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const plan: Array<[TestUser, TestUser]> = [
      [alice, bob],
      [bob, alice],
      [carol, alice],
      [alice, carol],
      [bob, carol],
      [carol, bob],
      [alice, alice],
      [bob, alice],
    ];
    const inboxes = new Map<string, Array<{ id: string; seq: number }>>([
      [alice.id, []],
      [bob.id, []],
      [carol.id, []],
    ]);
    for (const [index, [from, to]] of plan.entries()) {
      const message = await send(from, to, `message ${index}`);
      inboxes.get(from.id)?.push({ id: message.id, seq: message.seq });
      if (to.id !== from.id) inboxes.get(to.id)?.push({ id: message.id, seq: -1 });
    }
    for (const user of [alice, bob, carol]) {
      const expected = inboxes.get(user.id) ?? [];
      // Sends answer the sender's seq: it is the entry's place in the sender's inbox.
      for (const [index, entry] of expected.entries()) {
        if (entry.seq !== -1) expect(entry.seq).toBe(index + 1);
      }
      const sub = subscribe(ws(user), DirectMessagesDoc, {});
      const got = await sub.take(expected.length);
      expect(got.map((r) => r.directMessages.id)).toEqual(expected.map((e) => e.id));
      expect(got.map((r) => r.directMessages.seq)).toEqual(expected.map((_, i) => i + 1));
    }
    expect(inboxes.get(alice.id)).toHaveLength(6);
    expect(inboxes.get(bob.id)).toHaveLength(5);
    expect(inboxes.get(carol.id)).toHaveLength(4);
  });

  it('shows one conversation in directHistory, paged', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const withBob = [
      await send(alice, bob, 'b1'),
      await send(carol, alice, 'c1'),
      await send(bob, alice, 'b2'),
      await send(alice, carol, 'c2'),
      await send(alice, bob, 'b3'),
    ].filter((m) => m.content.startsWith('b'));

    const all = await history(alice, bob.id);
    expect(all.edges.map((e) => e.node.content)).toEqual(['b1', 'b2', 'b3']);
    expect(all.edges.map((e) => e.node.id)).toEqual(withBob.map((m) => m.id));
    // Seqs are Alice's inbox positions: the Carol messages sit between them.
    expect(all.edges.map((e) => e.node.seq)).toEqual([1, 3, 5]);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

    const page1 = await history(alice, bob.id, { first: 2 });
    expect(page1.edges.map((e) => e.node.content)).toEqual(['b1', 'b2']);
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(page1.pageInfo.startCursor).toBe(page1.edges[0]?.cursor);
    const after = page1.pageInfo.endCursor;
    expect(after).toBe(page1.edges[1]?.cursor);
    const page2 = await history(alice, bob.id, { first: 2, after: after ?? undefined });
    expect(page2.edges.map((e) => e.node.content)).toEqual(['b3']);
    // hasPreviousPage looks only inside the window, after `after` (SEMANTICS "History pages").
    expect(page2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

    const lastOne = await history(alice, bob.id, { last: 1 });
    expect(lastOne.edges.map((e) => e.node.content)).toEqual(['b3']);
    expect(lastOne.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const beforeLast = await history(alice, bob.id, {
      last: 1,
      before: lastOne.pageInfo.startCursor ?? undefined,
    });
    expect(beforeLast.edges.map((e) => e.node.content)).toEqual(['b2']);
    // hasNextPage looks only inside the window, before `before`.
    expect(beforeLast.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    // Bob's view: the same conversation, at his own positions, Carol's absent.
    const bobView = await history(bob, alice.id);
    expect(bobView.edges.map((e) => [e.node.content, e.node.seq])).toEqual([
      ['b1', 1],
      ['b2', 2],
      ['b3', 3],
    ]);
    const carolView = await history(carol, bob.id);
    expect(carolView.edges).toEqual([]);

    // A cursor of another inbox is not Alice's to page with.
    await expectCode(
      history(alice, bob.id, { after: bobView.edges[0]?.cursor ?? '' }),
      'BAD_USER_INPUT',
    );
    await expectCode(history(alice, '999999999'), 'NOT_FOUND');
    await expectCode(history(alice, 'not-an-id'), 'NOT_FOUND');
  });

  it('refuses DMs to unknown users and bad content, storing nothing', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    await expectCode(send(alice, { ...bob, id: '999999999' }, 'hi'), 'NOT_FOUND');
    await expectCode(send(alice, { ...bob, id: 'nobody' }, 'hi'), 'NOT_FOUND');
    await expectCode(send(alice, bob, ''), 'BAD_USER_INPUT');
    await expectCode(send(alice, bob, ' \n\t '), 'BAD_USER_INPUT');
    await expectCode(send(alice, bob, 'x'.repeat(4001)), 'BAD_USER_INPUT');
    await expectCode(send(alice, bob, 'hi', 'c'.repeat(65)), 'BAD_USER_INPUT');
    expect((await history(alice, bob.id)).edges).toEqual([]);
    expect((await history(bob, alice.id)).edges).toEqual([]);

    // The limit counts code points: 4000 emoji fit, and the inboxes start at 1.
    const long = await send(alice, bob, '😀'.repeat(4000));
    expect(long.seq).toBe(1);
    expect([...long.content]).toHaveLength(4000);
    await expectCode(send(alice, bob, '😀'.repeat(4001)), 'BAD_USER_INPUT');
    const bobView = await history(bob, alice.id);
    expect(bobView.edges.map((e) => e.node.seq)).toEqual([1]);
  });

  it('replays DMs sent while the recipient was offline', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const sent = [
      await send(alice, bob, 'while you were out 1'),
      await send(alice, bob, 'while you were out 2'),
      await send(alice, bob, 'while you were out 3'),
    ];
    const sub = subscribe(ws(bob), DirectMessagesDoc, {});
    const replayed = await sub.take(3);
    expect(replayed.map((r) => [r.directMessages.id, r.directMessages.seq])).toEqual(
      sent.map((m, i) => [m.id, i + 1]),
    );
    // Then live.
    const live = await send(alice, bob, 'now live');
    const [next] = await sub.take(1);
    expect(next?.directMessages).toMatchObject({ id: live.id, seq: 4 });
  });

  it('resumes directMessages exactly after a cursor', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const sent = [];
    for (let i = 1; i <= 5; i += 1) sent.push(await send(alice, bob, `m${i}`));
    const bobView = await history(bob, alice.id);
    const cursor = bobView.edges[1]?.cursor;
    expect(cursor).toBeDefined();

    const sub = subscribe(ws(bob), DirectMessagesDoc, { after: cursor });
    const replayed = await sub.take(3);
    expect(replayed.map((r) => r.directMessages.content)).toEqual(['m3', 'm4', 'm5']);
    expect(replayed.map((r) => r.directMessages.seq)).toEqual([3, 4, 5]);
    const live = await send(alice, bob, 'm6');
    const [next] = await sub.take(1);
    expect(next?.directMessages).toMatchObject({ id: live.id, seq: 6 });
    expect(sub.received).toHaveLength(4);

    // The sender's cursor belongs to her inbox, not Bob's.
    const wrong = subscribe(ws(bob), DirectMessagesDoc, { after: sent[0]?.cursor });
    await expectCode(wrong.ended, 'BAD_USER_INPUT');
  });

  describe('broadcast', () => {
    it('is for admins only; a refused broadcast stores nothing', async () => {
      const alice = await signUp(server);
      const head = await broadcastHead(alice);
      await expectCode(
        alice.http.request(DirectBroadcastDoc, { content: 'not allowed' }),
        'FORBIDDEN',
      );
      expect(await broadcastHead(alice)).toEqual(head);
      await expectCode(admin.http.request(DirectBroadcastDoc, { content: '  ' }), 'BAD_USER_INPUT');
      expect(await broadcastHead(alice)).toEqual(head);

      // The next real broadcast takes the very next seq: nothing was used up.
      const { broadcast } = await admin.http.request(DirectBroadcastDoc, {
        content: ' announcement ',
      });
      const previousSeq = head.edges[0]?.node.seq ?? 0;
      expect(broadcast).toMatchObject({
        channel: 'BROADCAST',
        kind: 'TEXT',
        seq: previousSeq + 1,
        content: 'announcement',
        sender: { id: admin.id },
        recipient: null,
      });
    });

    it('reaches every connected subscriber', async () => {
      const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
      const aliceSub = subscribe(ws(alice), DirectBroadcastsDoc, {});
      const bobSub = subscribe(ws(bob), DirectBroadcastsDoc, {});
      const adminSub = subscribe(ws(admin), DirectBroadcastsDoc, {
        after: (await broadcastHead(admin)).pageInfo.endCursor ?? undefined,
      });
      const { broadcast } = await admin.http.request(DirectBroadcastDoc, { content: 'hello all' });
      const got = await Promise.all([aliceSub.take(1), bobSub.take(1), adminSub.take(1)]);
      for (const [event] of got) {
        expect(event?.broadcasts).toEqual({
          id: broadcast.id,
          channel: 'BROADCAST',
          seq: broadcast.seq,
          cursor: broadcast.cursor,
          content: 'hello all',
          sender: { id: admin.id },
        });
      }
    });

    it('replays to users offline since sign-up, not to users who signed up later', async () => {
      const offline = await signUp(server);
      const { broadcast: missed } = await admin.http.request(DirectBroadcastDoc, {
        content: 'while offline',
      });
      const newcomer = await signUp(server);

      const offlineSub = subscribe(ws(offline), DirectBroadcastsDoc, {});
      const [replayed] = await offlineSub.take(1);
      expect(replayed?.broadcasts).toMatchObject({ id: missed.id, seq: missed.seq });

      // The newcomer's position starts at sign-up: the first thing they get is the next one.
      const newcomerSub = subscribe(ws(newcomer), DirectBroadcastsDoc, {});
      const { broadcast: later } = await admin.http.request(DirectBroadcastDoc, {
        content: 'after the newcomer',
      });
      expect(later.seq).toBe(missed.seq + 1);
      const [first] = await newcomerSub.take(1);
      expect(first?.broadcasts).toMatchObject({ id: later.id, seq: later.seq });
      expect(newcomerSub.received).toHaveLength(1);
      const [next] = await offlineSub.take(1);
      expect(next?.broadcasts).toMatchObject({ id: later.id });
    });

    it('lists broadcasts in broadcastHistory', async () => {
      const reader = await signUp(server);
      const head = await broadcastHead(reader);
      const sent = [];
      for (const content of ['news 1', 'news 2', 'news 3']) {
        sent.push((await admin.http.request(DirectBroadcastDoc, { content })).broadcast);
      }
      const after = head.pageInfo.endCursor ?? undefined;
      const { broadcastHistory } = await reader.http.request(DirectBroadcastHistoryDoc, {
        after,
        first: 10,
      });
      expect(broadcastHistory.edges.map((e) => e.node)).toEqual(
        sent.map((m) => ({
          id: m.id,
          channel: 'BROADCAST',
          seq: m.seq,
          content: m.content,
          sender: { id: admin.id },
          recipient: null,
        })),
      );
      const seqs = sent.map((m) => m.seq);
      expect(seqs).toEqual([seqs[0], (seqs[0] ?? 0) + 1, (seqs[0] ?? 0) + 2]);
      expect(broadcastHistory.pageInfo).toMatchObject({
        hasNextPage: false,
        // Nothing lies between `after` and the first edge.
        hasPreviousPage: false,
      });
      const latest = await reader.http.request(DirectBroadcastHistoryDoc, { last: 2 });
      expect(latest.broadcastHistory.edges.map((e) => e.node.content)).toEqual([
        'news 2',
        'news 3',
      ]);
      expect(latest.broadcastHistory.pageInfo.hasPreviousPage).toBe(true);
    });
  });
});
