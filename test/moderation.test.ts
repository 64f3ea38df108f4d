import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { ChatInviteDoc, createRoom, joinRoom, roomHistory, sendToRoom } from './helpers/chat.js';
import {
  expectCode,
  type Subscription,
  signUp,
  subscribe,
  type TestUser,
  wsClient,
} from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { sseSubscribe } from './helpers/sse.js';

const ModRoleDoc = graphql(`
  query ModRole($id: ID!) {
    room(id: $id) {
      id
      viewerRole
      memberCount
    }
  }
`);

const ModMyRoomsDoc = graphql(`
  query ModMyRooms {
    myRooms {
      id
      viewerRole
    }
  }
`);

const ModLeaveDoc = graphql(`
  mutation ModLeave($roomId: ID!) {
    leaveRoom(roomId: $roomId) {
      id
    }
  }
`);

const ModRemoveDoc = graphql(`
  mutation ModRemove($roomId: ID!, $userId: ID!) {
    removeFromRoom(roomId: $roomId, userId: $userId) {
      id
      memberCount
      members {
        id
      }
    }
  }
`);

const ModDeleteRoomDoc = graphql(`
  mutation ModDeleteRoom($roomId: ID!) {
    deleteRoom(roomId: $roomId)
  }
`);

const ModRoomMessagesDoc = graphql(`
  subscription ModRoomMessages($roomId: ID!, $after: String) {
    roomMessages(roomId: $roomId, after: $after) {
      id
      kind
      content
    }
  }
`);

const ModPresenceDoc = graphql(`
  subscription ModPresence($roomId: ID) {
    presenceChanged(roomId: $roomId) {
      status
    }
  }
`);

const ModReceiptsDoc = graphql(`
  subscription ModReceipts($roomId: ID) {
    readReceipts(roomId: $roomId) {
      user {
        id
      }
    }
  }
`);

const ModTypingDoc = graphql(`
  subscription ModTyping($roomId: ID) {
    typing(roomId: $roomId) {
      typing
    }
  }
`);

const ModSetPresenceDoc = graphql(`
  mutation ModSetPresence($status: PresenceStatus!) {
    setPresence(status: $status) {
      status
    }
  }
`);

const ModEditDoc = graphql(`
  mutation ModEdit($messageId: ID!, $content: String!) {
    editMessage(messageId: $messageId, content: $content) {
      id
    }
  }
`);

const ModHistoryDoc = graphql(`
  query ModHistory($roomId: ID!) {
    roomHistory(roomId: $roomId) {
      edges {
        node {
          id
        }
      }
    }
  }
`);

let server: TestServer;
const clients: Client[] = [];
const subscriptions: Array<Subscription<unknown>> = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.dispose();
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
afterAll(async () => {
  await server.close();
});

const role = async (user: TestUser, roomId: string) =>
  (await user.http.request(ModRoleDoc, { id: roomId })).room?.viewerRole;
const removeFrom = async (user: TestUser, roomId: string, userId: string) =>
  (await user.http.request(ModRemoveDoc, { roomId, userId })).removeFromRoom;

function watch<T, V extends Record<string, unknown>>(
  user: TestUser,
  document: Parameters<typeof subscribe<T, V>>[1],
  variables: V,
): Subscription<T> {
  const client = wsClient(server, user.token);
  clients.push(client);
  const s = subscribe(client, document, variables);
  subscriptions.push(s as Subscription<unknown>);
  return s;
}

describe('room roles', () => {
  it('makes the creator OWNER, and passes the role to the longest-standing member', async () => {
    const [alice, bob, carol, dave] = await Promise.all([1, 2, 3, 4].map(() => signUp(server)));
    if (!alice || !bob || !carol || !dave) throw new Error('sign-up failed');
    const roomId = await createRoom(alice);
    await joinRoom(bob, roomId);
    await joinRoom(carol, roomId);
    expect(await role(alice, roomId)).toBe('OWNER');
    expect(await role(bob, roomId)).toBe('MEMBER');
    expect(await role(dave, roomId)).toBeNull();
    expect((await alice.http.request(ModMyRoomsDoc)).myRooms).toContainEqual({
      id: roomId,
      viewerRole: 'OWNER',
    });

    await alice.http.request(ModLeaveDoc, { roomId });
    expect(await role(bob, roomId)).toBe('OWNER');
    expect(await role(carol, roomId)).toBe('MEMBER');
    expect(await role(alice, roomId)).toBeNull();
    await bob.http.request(ModLeaveDoc, { roomId });
    expect(await role(carol, roomId)).toBe('OWNER');
    // Left empty, the room goes to whoever joins it next.
    await carol.http.request(ModLeaveDoc, { roomId });
    await joinRoom(dave, roomId);
    expect(await role(dave, roomId)).toBe('OWNER');
  });
});

describe('removeFromRoom', () => {
  it('removes a member as if they left: "left", subscriptions on a private room end', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const carol = await signUp(server);
    const roomId = await createRoom(alice, true);
    await alice.http.request(ChatInviteDoc, { roomId, userId: bob.id });
    await alice.http.request(ChatInviteDoc, { roomId, userId: carol.id });
    const bobs = watch(bob, ModRoomMessagesDoc, { roomId });
    await bobs.take(2); // bob joined, carol joined

    await expectCode(removeFrom(carol, roomId, bob.id), 'FORBIDDEN');
    await expectCode(removeFrom(alice, roomId, alice.id), 'BAD_USER_INPUT');
    await expectCode(removeFrom(alice, roomId, '999999'), 'NOT_FOUND');
    const outsider = await signUp(server);
    await expectCode(removeFrom(outsider, roomId, bob.id), 'NOT_FOUND');

    const room = await removeFrom(alice, roomId, bob.id);
    expect(room.memberCount).toBe(2);
    expect(room.members.map((m) => m.id)).not.toContain(bob.id);
    const [left] = await bobs.take(1);
    expect(left?.roomMessages).toMatchObject({ kind: 'SYSTEM', content: `${bob.name} left` });
    await bobs.ended;
    await expectCode(role(bob, roomId), 'NOT_FOUND');
    expect((await bob.http.request(ModMyRoomsDoc)).myRooms).toEqual([]);
    expect((await roomHistory(alice.http, roomId)).at(-1)?.content).toBe(`${bob.name} left`);
    // Removing someone who is no longer a member changes nothing.
    expect((await removeFrom(alice, roomId, bob.id)).memberCount).toBe(2);
  });

  it('lets a removed user join a public room again', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const roomId = await createRoom(alice);
    await joinRoom(bob, roomId);
    await removeFrom(alice, roomId, bob.id);
    expect(await role(bob, roomId)).toBeNull();
    await joinRoom(bob, roomId);
    expect(await role(bob, roomId)).toBe('MEMBER');
  });
});

describe('deleteRoom', () => {
  it('ends every subscription on the room, and the room is NOT_FOUND afterwards', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const passerby = await signUp(server);
    const roomId = await createRoom(alice);
    await joinRoom(bob, roomId);
    const earlier = await sendToRoom(alice, roomId, 'earlier');
    const message = await sendToRoom(bob, roomId, 'soon gone');
    const bobsMessages = watch(bob, ModRoomMessagesDoc, { roomId });
    // A non-member of a public room; its replay of 'soon gone' shows it is running.
    const passing = watch(passerby, ModRoomMessagesDoc, { roomId, after: earlier.cursor });
    await Promise.all([bobsMessages.take(3), passing.take(1)]);
    // Presence has no replay: bob flips his status until his room's presence shows it.
    const bobsPresence = watch(bob, ModPresenceDoc, { roomId });
    for (let away = true; bobsPresence.received.length === 0; away = !away)
      await bob.http.request(ModSetPresenceDoc, { status: away ? 'AWAY' : 'ONLINE' });
    // Live-only feeds over SSE: Yoga answers once their source exists, so they are running.
    const [bobsReceipts, bobsTyping] = await Promise.all([
      sseSubscribe(server, bob.token, ModReceiptsDoc, { roomId }),
      sseSubscribe(server, bob.token, ModTypingDoc, { roomId }),
    ]);

    await expectCode(bob.http.request(ModDeleteRoomDoc, { roomId }), 'FORBIDDEN');
    expect((await alice.http.request(ModDeleteRoomDoc, { roomId })).deleteRoom).toBe(true);
    await Promise.all([
      bobsMessages.ended,
      bobsPresence.ended,
      passing.ended,
      bobsReceipts.completed(),
      bobsTyping.completed(),
    ]);

    await expectCode(role(alice, roomId), 'NOT_FOUND');
    await expectCode(alice.http.request(ModHistoryDoc, { roomId }), 'NOT_FOUND');
    await expectCode(joinRoom(bob, roomId), 'NOT_FOUND');
    await expectCode(sendToRoom(bob, roomId, 'hello?'), 'NOT_FOUND');
    await expectCode(alice.http.request(ModDeleteRoomDoc, { roomId }), 'NOT_FOUND');
    await expectCode(
      bob.http.request(ModEditDoc, { messageId: message.id, content: 'x' }),
      'NOT_FOUND',
    );
    expect((await bob.http.request(ModMyRoomsDoc)).myRooms).toEqual([]);
    const again = watch(bob, ModRoomMessagesDoc, { roomId });
    await expect(again.ended).rejects.toBeDefined();
  });
});
