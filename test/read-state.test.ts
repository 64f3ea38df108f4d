import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { describeBackends } from './helpers/backends.js';
import {
  expectCode,
  signUp,
  subscribe,
  type TestUser,
  uniqueName,
  wsClient,
} from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { sseSubscribe } from './helpers/sse.js';

const ReadsCreateRoomDoc = graphql(`
  mutation ReadsCreateRoom($name: String!, $isPrivate: Boolean) {
    createRoom(name: $name, isPrivate: $isPrivate) {
      id
    }
  }
`);

const ReadsJoinDoc = graphql(`
  mutation ReadsJoin($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
    }
  }
`);

const ReadsInviteDoc = graphql(`
  mutation ReadsInvite($roomId: ID!, $userId: ID!) {
    inviteToRoom(roomId: $roomId, userId: $userId) {
      id
    }
  }
`);

const ReadsLeaveDoc = graphql(`
  mutation ReadsLeave($roomId: ID!) {
    leaveRoom(roomId: $roomId) {
      id
    }
  }
`);

const ReadsSendRoomDoc = graphql(`
  mutation ReadsSendRoom($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      id
      seq
      cursor
      deliveryState
    }
  }
`);

const ReadsSendDirectDoc = graphql(`
  mutation ReadsSendDirect($toUserId: ID!, $content: String!) {
    sendDirectMessage(toUserId: $toUserId, content: $content) {
      id
      seq
      cursor
      deliveryState
    }
  }
`);

const ReadsRoomStateDoc = graphql(`
  query ReadsRoomState($id: ID!) {
    room(id: $id) {
      unreadCount
      lastMessage {
        id
        content
      }
    }
  }
`);

const ReadsRoomHistoryDoc = graphql(`
  query ReadsRoomHistory($roomId: ID!) {
    roomHistory(roomId: $roomId, first: 100) {
      edges {
        node {
          id
          content
          deliveryState
          readBy {
            id
          }
        }
      }
    }
  }
`);

const ReadsDirectHistoryDoc = graphql(`
  query ReadsDirectHistory($withUserId: ID!) {
    directHistory(withUserId: $withUserId, first: 100) {
      edges {
        cursor
        node {
          id
          kind
          content
          deliveryState
          readBy {
            id
          }
        }
      }
    }
  }
`);

const ReadsMarkReadDoc = graphql(`
  mutation ReadsMarkRead($roomId: ID, $withUserId: ID, $upTo: String!) {
    markRead(roomId: $roomId, withUserId: $withUserId, upTo: $upTo) {
      user {
        id
      }
      room {
        id
      }
      withUser {
        id
      }
      message {
        id
      }
      cursor
      readAt
    }
  }
`);

const ReadsDeleteDoc = graphql(`
  mutation ReadsDelete($messageId: ID!) {
    deleteMessage(messageId: $messageId) {
      kind
    }
  }
`);

const ReadsEditDoc = graphql(`
  mutation ReadsEdit($messageId: ID!, $content: String!) {
    editMessage(messageId: $messageId, content: $content) {
      id
      kind
      deliveryState
    }
  }
`);

const ReadsReactDoc = graphql(`
  mutation ReadsReact($messageId: ID!, $emoji: String!) {
    addReaction(messageId: $messageId, emoji: $emoji) {
      id
    }
  }
`);

const ReadsConversationsDoc = graphql(`
  query ReadsConversations {
    conversations {
      withUser {
        id
      }
      lastMessage {
        id
        content
      }
      unreadCount
    }
  }
`);

const ReadsReceiptsDoc = graphql(`
  subscription ReadsReceipts($roomId: ID, $withUserId: ID) {
    readReceipts(roomId: $roomId, withUserId: $withUserId) {
      user {
        id
      }
      room {
        id
      }
      withUser {
        id
      }
      message {
        id
      }
      cursor
    }
  }
`);

const ReadsDirectMessagesDoc = graphql(`
  subscription ReadsDirectMessages {
    directMessages {
      id
      cursor
    }
  }
`);

interface Sent {
  id: string;
  seq: number;
  cursor: string;
  deliveryState?: string | null;
}

async function createRoom(user: TestUser, isPrivate = false): Promise<string> {
  const { createRoom } = await user.http.request(ReadsCreateRoomDoc, {
    name: uniqueName('room'),
    isPrivate,
  });
  return createRoom.id;
}

async function join(user: TestUser, roomId: string): Promise<void> {
  await user.http.request(ReadsJoinDoc, { roomId });
}

async function sendRoom(user: TestUser, roomId: string, content: string): Promise<Sent> {
  return (await user.http.request(ReadsSendRoomDoc, { roomId, content })).sendRoomMessage;
}

async function sendDirect(from: TestUser, to: TestUser, content: string): Promise<Sent> {
  return (await from.http.request(ReadsSendDirectDoc, { toUserId: to.id, content }))
    .sendDirectMessage;
}

async function roomState(user: TestUser, roomId: string) {
  const { room } = await user.http.request(ReadsRoomStateDoc, { id: roomId });
  if (!room) throw new Error('room not visible');
  return room;
}

async function unread(user: TestUser, roomId: string): Promise<number> {
  return (await roomState(user, roomId)).unreadCount;
}

async function roomMessages(user: TestUser, roomId: string) {
  const { roomHistory } = await user.http.request(ReadsRoomHistoryDoc, { roomId });
  return new Map(roomHistory.edges.map((edge) => [edge.node.id, edge.node]));
}

async function directMessages(user: TestUser, peer: TestUser) {
  const { directHistory } = await user.http.request(ReadsDirectHistoryDoc, {
    withUserId: peer.id,
  });
  return directHistory.edges.map((edge) => ({ ...edge.node, cursor: edge.cursor }));
}

async function deliveryStates(sender: TestUser, recipient: TestUser) {
  const nodes = await directMessages(sender, recipient);
  return Object.fromEntries(nodes.map((node) => [node.content, node.deliveryState]));
}

async function markRead(
  user: TestUser,
  args: { roomId?: string; withUserId?: string; upTo: string },
) {
  return (await user.http.request(ReadsMarkReadDoc, args)).markRead;
}

async function conversations(user: TestUser) {
  return (await user.http.request(ReadsConversationsDoc, {})).conversations;
}

async function deleteMessage(user: TestUser, messageId: string): Promise<void> {
  const { deleteMessage } = await user.http.request(ReadsDeleteDoc, { messageId });
  expect(deleteMessage.kind).toBe('DELETE');
}

async function edit(user: TestUser, messageId: string, content: string) {
  return (await user.http.request(ReadsEditDoc, { messageId, content })).editMessage;
}

async function react(user: TestUser, messageId: string, emoji: string): Promise<void> {
  await user.http.request(ReadsReactDoc, { messageId, emoji });
}

describeBackends('read state', (backend) => {
  /** A readReceipts subscription expected to fail: its error comes as the first event. */
  const sseFailure = (user: TestUser, variables: { roomId?: string; withUserId?: string }) =>
    sseSubscribe(server, user.token, ReadsReceiptsDoc, variables).then((sub) => sub.next());

  let server: TestServer;
  const clients: Client[] = [];
  const ws = (user: TestUser): Client => {
    const client = wsClient(server, user.token);
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

  it('starts a member at their own "joined", counts what others sent after, and never moves back', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    const before = await sendRoom(alice, roomId, 'before bob came');
    await join(bob, roomId);
    const one = await sendRoom(alice, roomId, 'one');
    const two = await sendRoom(alice, roomId, 'two');
    const three = await sendRoom(alice, roomId, 'three');

    expect(await roomState(bob, roomId)).toEqual({
      unreadCount: 3,
      lastMessage: { id: three.id, content: 'three' },
    });
    expect(await unread(alice, roomId)).toBe(0);
    // Sending moves no read position, and one's own messages are never unread.
    const fromBob = await sendRoom(bob, roomId, 'from bob');
    expect(await unread(bob, roomId)).toBe(3);
    expect(await unread(alice, roomId)).toBe(1);

    const receipt = await markRead(bob, { roomId, upTo: two.cursor });
    expect(receipt).toMatchObject({
      user: { id: bob.id },
      room: { id: roomId },
      withUser: null,
      message: { id: two.id },
      cursor: two.cursor,
    });
    expect(Date.parse(receipt.readAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(await unread(bob, roomId)).toBe(1);

    // An older cursor changes nothing: the answer is the position as it stands.
    const older = await markRead(bob, { roomId, upTo: one.cursor });
    expect(older).toEqual(receipt);
    expect(await unread(bob, roomId)).toBe(1);

    const byId = await roomMessages(alice, roomId);
    const readers = (id: string) => byId.get(id)?.readBy.map((user) => user.id);
    expect(readers(before.id)).toEqual([bob.id]);
    expect(readers(one.id)).toEqual([bob.id]);
    expect(readers(two.id)).toEqual([bob.id]);
    expect(readers(three.id)).toEqual([]);
    // Its sender is never among the readers, and alice has read nothing past her "joined".
    expect(readers(fromBob.id)).toEqual([]);
    // Room messages have no delivery state.
    expect(byId.get(one.id)?.deliveryState).toBeNull();

    // Stored: a restart keeps it.
    await server.restart();
    expect(await unread(bob, roomId)).toBe(1);
    expect(await markRead(bob, { roomId, upTo: one.cursor })).toEqual(receipt);
    expect(await unread(bob, roomId)).toBe(1);
  });

  it('leaves deleted messages out of unread counts and lastMessage', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    await join(bob, roomId);
    const first = await sendRoom(alice, roomId, 'first');
    const second = await sendRoom(alice, roomId, 'second');
    const third = await sendRoom(alice, roomId, 'third');
    const bobs = await sendRoom(bob, roomId, 'by bob');
    expect(await unread(bob, roomId)).toBe(3);
    expect(await unread(alice, roomId)).toBe(1);

    await deleteMessage(alice, first.id);
    await deleteMessage(alice, third.id);
    await deleteMessage(bob, bobs.id);
    expect(await roomState(bob, roomId)).toEqual({
      unreadCount: 1,
      lastMessage: { id: second.id, content: 'second' },
    });
    expect(await unread(alice, roomId)).toBe(0);
  });

  it('takes a direct message from SENT to DELIVERED to READ', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const one = await sendDirect(alice, bob, 'one');
    expect(one.deliveryState).toBe('SENT');
    await sendDirect(alice, bob, 'two');
    expect(await deliveryStates(alice, bob)).toEqual({ one: 'SENT', two: 'SENT' });
    // Only the sender sees a delivery state.
    expect(await deliveryStates(bob, alice)).toEqual({ one: null, two: null });

    const bobDevice = subscribe(ws(bob), ReadsDirectMessagesDoc, {});
    const [, second] = await bobDevice.take(2);
    // "two" was handed over only once "one" had been written to bob's connection.
    expect((await deliveryStates(alice, bob)).one).toBe('DELIVERED');
    await sendDirect(alice, bob, 'three');
    await bobDevice.take(1);
    expect(await deliveryStates(alice, bob)).toMatchObject({ one: 'DELIVERED', two: 'DELIVERED' });

    const receipt = await markRead(bob, {
      withUserId: alice.id,
      upTo: second?.directMessages.cursor as string,
    });
    expect(receipt).toMatchObject({
      user: { id: bob.id },
      room: null,
      withUser: { id: alice.id },
      message: { id: second?.directMessages.id },
      cursor: second?.directMessages.cursor,
    });
    const states = await deliveryStates(alice, bob);
    expect(states).toMatchObject({ one: 'READ', two: 'READ' });
    expect(states.three).not.toBe('READ');

    const aliceView = await directMessages(alice, bob);
    expect(aliceView.map((m) => [m.content, m.readBy.map((u) => u.id)])).toEqual([
      ['one', [bob.id]],
      ['two', [bob.id]],
      ['three', []],
    ]);

    // bob's reply is his to follow; alice has not read it.
    const reply = await sendDirect(bob, alice, 'reply');
    expect(reply.deliveryState).toBe('SENT');
    expect((await deliveryStates(alice, bob)).reply).toBeNull();
  });

  it('lists conversations by their latest entry, with the last message and unread count', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    expect(await conversations(alice)).toEqual([]);
    await sendDirect(bob, alice, 'b1');
    await sendDirect(bob, alice, 'b2');
    const c1 = await sendDirect(carol, alice, 'c1');
    const a1 = await sendDirect(alice, bob, 'a1');
    expect(await conversations(alice)).toEqual([
      { withUser: { id: bob.id }, lastMessage: { id: a1.id, content: 'a1' }, unreadCount: 2 },
      { withUser: { id: carol.id }, lastMessage: { id: c1.id, content: 'c1' }, unreadCount: 1 },
    ]);
    expect(await conversations(bob)).toEqual([
      { withUser: { id: alice.id }, lastMessage: { id: a1.id, content: 'a1' }, unreadCount: 1 },
    ]);
    // A note to self is a conversation too, never unread.
    const note = await sendDirect(bob, bob, 'note');
    expect((await conversations(bob))[0]).toEqual({
      withUser: { id: bob.id },
      lastMessage: { id: note.id, content: 'note' },
      unreadCount: 0,
    });

    const c2 = await sendDirect(carol, alice, 'c2');
    const aliceCursors = await directMessages(alice, carol);
    await markRead(alice, {
      withUserId: carol.id,
      upTo: aliceCursors.find((m) => m.id === c1.id)?.cursor as string,
    });
    expect(await conversations(alice)).toEqual([
      { withUser: { id: carol.id }, lastMessage: { id: c2.id, content: 'c2' }, unreadCount: 1 },
      { withUser: { id: bob.id }, lastMessage: { id: a1.id, content: 'a1' }, unreadCount: 2 },
    ]);
  });

  it('leaves a member who left out of readBy', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    await join(bob, roomId);
    await join(carol, roomId);
    const message = await sendRoom(alice, roomId, 'read by both');
    await markRead(bob, { roomId, upTo: message.cursor });
    await markRead(carol, { roomId, upTo: message.cursor });
    const readers = async () =>
      (await roomMessages(alice, roomId))
        .get(message.id)
        ?.readBy.map((user) => user.id)
        .sort();
    expect(await readers()).toEqual([bob.id, carol.id].sort());

    // bob's read position is still stored, but he is no longer a member.
    await bob.http.request(ReadsLeaveDoc, { roomId });
    expect(await readers()).toEqual([carol.id]);
  });

  it('moves a conversation up for its latest entry, a reaction or an edit included', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const toBob = await sendDirect(alice, bob, 'to bob');
    const toCarol = await sendDirect(alice, carol, 'to carol');
    const order = async (user: TestUser) =>
      (await conversations(user)).map((c) => [c.withUser.id, c.lastMessage?.id]);
    expect(await order(alice)).toEqual([
      [carol.id, toCarol.id],
      [bob.id, toBob.id],
    ]);

    // A REACTION entry is the latest entry of alice's conversation with bob, in both inboxes;
    // the last message is still the latest TEXT one.
    await react(bob, toBob.id, '👍');
    expect(await order(alice)).toEqual([
      [bob.id, toBob.id],
      [carol.id, toCarol.id],
    ]);
    await edit(alice, toCarol.id, 'to carol, edited');
    expect(await order(alice)).toEqual([
      [carol.id, toCarol.id],
      [bob.id, toBob.id],
    ]);
    expect((await conversations(alice))[0]?.lastMessage?.content).toBe('to carol, edited');
  });

  it('gives EDIT entries of a direct message no delivery state', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const message = await sendDirect(alice, bob, 'first words');
    const edited = await edit(alice, message.id, 'better words');
    expect(edited).toMatchObject({ kind: 'EDIT', deliveryState: null });
    const bobCursor = (await directMessages(bob, alice)).at(-1)?.cursor as string;
    await markRead(bob, { withUserId: alice.id, upTo: bobCursor });

    // The TEXT message went all the way to READ; the entry that edited it has none.
    const states = async (user: TestUser, peer: TestUser) =>
      (await directMessages(user, peer)).map((m) => [m.kind, m.deliveryState]);
    expect(await states(alice, bob)).toEqual([
      ['TEXT', 'READ'],
      ['EDIT', null],
    ]);
    expect(await states(bob, alice)).toEqual([
      ['TEXT', null],
      ['EDIT', null],
    ]);
  });

  it('sends read receipts to the room members and to the other side of a conversation only', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await createRoom(alice, true);
    await alice.http.request(ReadsInviteDoc, { roomId, userId: bob.id });
    const one = await sendRoom(alice, roomId, 'one');
    const two = await sendRoom(alice, roomId, 'two');

    await expectCode(sseFailure(carol, { roomId }), 'NOT_FOUND');
    const inRoom = await sseSubscribe(server, alice.token, ReadsReceiptsDoc, { roomId });
    await markRead(bob, { roomId, upTo: one.cursor });
    expect(await inRoom.next()).toEqual({
      readReceipts: {
        user: { id: bob.id },
        room: { id: roomId },
        withUser: null,
        message: { id: one.id },
        cursor: one.cursor,
      },
    });
    // A cursor that moves nothing emits nothing: the next receipt is the next move.
    await markRead(bob, { roomId, upTo: one.cursor });
    await markRead(bob, { roomId, upTo: two.cursor });
    expect((await inRoom.next()).readReceipts).toMatchObject({
      user: { id: bob.id },
      message: { id: two.id },
    });
    await inRoom.close();

    const aliceSide = await sseSubscribe(server, alice.token, ReadsReceiptsDoc, {
      withUserId: bob.id,
    });
    const carolSide = await sseSubscribe(server, carol.token, ReadsReceiptsDoc, {
      withUserId: bob.id,
    });
    const toBob = await sendDirect(alice, bob, 'to bob');
    const toCarol = await sendDirect(bob, carol, 'to carol');
    const fromAlice = (await directMessages(alice, bob)).at(-1);
    // alice's own reads are not sent back to her as bob's side.
    await markRead(alice, { withUserId: bob.id, upTo: toBob.cursor });
    const bobCursor = (await directMessages(bob, alice)).find((m) => m.id === toBob.id)?.cursor;
    await markRead(bob, { withUserId: alice.id, upTo: bobCursor as string });
    expect(await aliceSide.next()).toEqual({
      readReceipts: {
        user: { id: bob.id },
        room: null,
        withUser: { id: alice.id },
        message: { id: toBob.id },
        // The cursor is the message's place in alice's own inbox.
        cursor: fromAlice?.cursor,
      },
    });
    const carolCursor = (await directMessages(carol, bob)).at(-1)?.cursor;
    await markRead(carol, { withUserId: bob.id, upTo: carolCursor as string });
    await markRead(bob, { withUserId: carol.id, upTo: toCarol.cursor });
    // The first receipt carol gets is about her own conversation: bob's read of alice's never reached her.
    expect((await carolSide.next()).readReceipts).toMatchObject({
      user: { id: bob.id },
      withUser: { id: carol.id },
      message: { id: toCarol.id },
      cursor: carolCursor,
    });
    await Promise.all([aliceSide.close(), carolSide.close()]);
  });

  it('ends the readReceipts subscription of a member who leaves a private room', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const roomId = await createRoom(alice, true);
    await alice.http.request(ReadsInviteDoc, { roomId, userId: bob.id });
    const receipts = await sseSubscribe(server, bob.token, ReadsReceiptsDoc, { roomId });
    await bob.http.request(ReadsLeaveDoc, { roomId });
    await receipts.completed();
    await expectCode(sseFailure(bob, { roomId }), 'NOT_FOUND');
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    const otherRoom = await createRoom(alice);
    const privateRoom = await createRoom(alice, true);
    await join(bob, roomId);
    const read = await sendRoom(alice, roomId, 'read');
    await sendRoom(alice, roomId, 'unread');
    const elsewhere = await sendRoom(alice, otherRoom, 'elsewhere');
    const direct = await sendDirect(bob, alice, 'direct');
    const toCarol = await sendDirect(bob, carol, 'to carol');
    const position = await markRead(bob, { roomId, upTo: read.cursor });

    const bad = (args: Parameters<typeof markRead>[1], code: string) =>
      expectCode(markRead(bob, args), code);
    await bad({ roomId, withUserId: alice.id, upTo: read.cursor }, 'BAD_USER_INPUT');
    await bad({ upTo: read.cursor }, 'BAD_USER_INPUT');
    await bad({ roomId, upTo: elsewhere.cursor }, 'BAD_USER_INPUT');
    await bad({ roomId, upTo: toCarol.cursor }, 'BAD_USER_INPUT');
    await bad({ roomId, upTo: 'not-a-cursor' }, 'BAD_USER_INPUT');
    // A cursor of bob's inbox, but of his conversation with carol.
    await bad({ withUserId: alice.id, upTo: toCarol.cursor }, 'BAD_USER_INPUT');
    await bad({ withUserId: alice.id, upTo: direct.cursor.slice(0, -2) }, 'BAD_USER_INPUT');
    await bad({ withUserId: '999999', upTo: direct.cursor }, 'NOT_FOUND');
    await bad({ roomId: otherRoom, upTo: elsewhere.cursor }, 'FORBIDDEN');
    await bad({ roomId: privateRoom, upTo: elsewhere.cursor }, 'NOT_FOUND');

    const both = subscribe(ws(bob), ReadsReceiptsDoc, { roomId, withUserId: alice.id });
    await expectCode(both.ended, 'BAD_USER_INPUT');
    const neither = subscribe(ws(bob), ReadsReceiptsDoc, {});
    await expectCode(neither.ended, 'BAD_USER_INPUT');
    await expectCode(sseFailure(bob, { roomId: otherRoom }), 'FORBIDDEN');

    // Nothing moved.
    expect(await unread(bob, roomId)).toBe(1);
    expect(await markRead(bob, { roomId, upTo: read.cursor })).toEqual(position);
    expect(await conversations(bob)).toEqual([
      expect.objectContaining({ withUser: { id: carol.id }, unreadCount: 0 }),
      expect.objectContaining({ withUser: { id: alice.id }, unreadCount: 0 }),
    ]);
    expect((await conversations(alice))[0]).toMatchObject({ unreadCount: 1 });
  });
});
