import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { describeBackends } from './helpers/backends.js';
import {
  errorCode,
  expectCode,
  type Subscription,
  signUp,
  subscribe,
  type TestUser,
  uniqueName,
  wsClient,
} from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const RoomsCreateDoc = graphql(`
  mutation RoomsCreate($name: String!, $isPrivate: Boolean, $maxMembers: Int) {
    createRoom(name: $name, isPrivate: $isPrivate, maxMembers: $maxMembers) {
      id
      name
      isPrivate
      maxMembers
      memberCount
      createdAt
      createdBy {
        id
        name
      }
      viewerIsMember
      members {
        id
        name
      }
    }
  }
`);

const RoomsCreateDefaultsDoc = graphql(`
  mutation RoomsCreateDefaults($name: String!) {
    createRoom(name: $name) {
      id
      isPrivate
      maxMembers
    }
  }
`);

const RoomsGetDoc = graphql(`
  query RoomsGet($id: ID!) {
    room(id: $id) {
      id
      name
      isPrivate
      memberCount
      viewerIsMember
      members {
        id
      }
    }
  }
`);

const RoomsJoinDoc = graphql(`
  mutation RoomsJoin($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
      memberCount
      viewerIsMember
      members {
        id
      }
    }
  }
`);

const RoomsLeaveDoc = graphql(`
  mutation RoomsLeave($roomId: ID!) {
    leaveRoom(roomId: $roomId) {
      id
      memberCount
      viewerIsMember
      members {
        id
      }
    }
  }
`);

const RoomsInviteDoc = graphql(`
  mutation RoomsInvite($roomId: ID!, $userId: ID!) {
    inviteToRoom(roomId: $roomId, userId: $userId) {
      id
      memberCount
      viewerIsMember
      members {
        id
      }
    }
  }
`);

const RoomsListDoc = graphql(`
  query RoomsList($first: Int, $after: String) {
    rooms(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          name
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

const RoomsMineDoc = graphql(`
  query RoomsMine {
    myRooms {
      id
      viewerIsMember
    }
  }
`);

const RoomsHistoryDoc = graphql(`
  query RoomsHistory($roomId: ID!) {
    roomHistory(roomId: $roomId, first: 100) {
      edges {
        cursor
        node {
          id
          kind
          seq
          content
          sender {
            id
          }
        }
      }
    }
  }
`);

const RoomsSendDoc = graphql(`
  mutation RoomsSend($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      id
      seq
      content
    }
  }
`);

const RoomsMessagesDoc = graphql(`
  subscription RoomsMessages($roomId: ID!, $after: String) {
    roomMessages(roomId: $roomId, after: $after) {
      id
      kind
      seq
      content
    }
  }
`);

const RoomsOnlineDoc = graphql(`
  query RoomsOnline($roomId: ID) {
    onlineUsers(roomId: $roomId) {
      status
    }
  }
`);

const RoomsPresenceDoc = graphql(`
  subscription RoomsPresence($roomId: ID) {
    presenceChanged(roomId: $roomId) {
      status
    }
  }
`);

const MISSING_ROOM_ID = '987654321';

async function createRoom(
  user: TestUser,
  options: { isPrivate?: boolean; maxMembers?: number } = {},
): Promise<string> {
  const { createRoom } = await user.http.request(RoomsCreateDoc, {
    name: uniqueName('room'),
    ...options,
  });
  return createRoom.id;
}

/** The room's messages as [kind, content, sender id] triples, oldest first. */
async function messages(user: TestUser, roomId: string) {
  const { roomHistory } = await user.http.request(RoomsHistoryDoc, { roomId });
  return roomHistory.edges.map(({ node }) => [node.kind, node.content, node.sender?.id ?? null]);
}

async function myRoomIds(user: TestUser): Promise<string[]> {
  const { myRooms } = await user.http.request(RoomsMineDoc);
  return myRooms.map((room) => room.id);
}

/** Every room in `rooms`, paging through with `first`. */
async function allRoomIds(user: TestUser, first = 100): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const { rooms } = await user.http.request(RoomsListDoc, { first, after });
    ids.push(...rooms.edges.map((edge) => edge.node.id));
    if (!rooms.pageInfo.hasNextPage) return ids;
    after = rooms.pageInfo.endCursor ?? undefined;
    expect(after).toBeDefined();
  }
}

/** How a subscription ended: `completed`, or the error code it failed with. */
function outcome(sub: Subscription<unknown>): Promise<unknown> {
  return sub.ended.then(
    () => 'completed',
    (error: unknown) => errorCode(error),
  );
}

describeBackends('rooms', (backend) => {
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

  it('makes the creator the first member, with defaults and a "joined" message', async () => {
    const alice = await signUp(server);
    const name = uniqueName('room');
    const before = Date.now();
    const { createRoom } = await alice.http.request(RoomsCreateDoc, { name: `  ${name}  ` });
    expect(createRoom).toMatchObject({
      name,
      isPrivate: false,
      maxMembers: 100,
      memberCount: 1,
      createdBy: { id: alice.id, name: alice.name },
      viewerIsMember: true,
      members: [{ id: alice.id, name: alice.name }],
    });
    const createdAt = Date.parse(createRoom.createdAt);
    expect(createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(createdAt).toBeLessThanOrEqual(Date.now() + 1000);

    const { createRoom: defaults } = await alice.http.request(RoomsCreateDefaultsDoc, {
      name: uniqueName('room'),
    });
    expect(defaults).toMatchObject({ isPrivate: false, maxMembers: 100 });

    const { roomHistory } = await alice.http.request(RoomsHistoryDoc, { roomId: createRoom.id });
    expect(roomHistory.edges.map(({ node }) => node)).toEqual([
      expect.objectContaining({
        kind: 'SYSTEM',
        seq: 1,
        content: `${alice.name} joined`,
        sender: null,
      }),
    ]);
    expect(await myRoomIds(alice)).toEqual([createRoom.id, defaults.id]);
  });

  it('joins a public room idempotently, writing one "joined" message', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    const { joinRoom: first } = await bob.http.request(RoomsJoinDoc, { roomId });
    expect(first.memberCount).toBe(2);
    expect(first.viewerIsMember).toBe(true);
    expect(first.members.map((m) => m.id).sort()).toEqual([alice.id, bob.id].sort());
    const { joinRoom: again } = await bob.http.request(RoomsJoinDoc, { roomId });
    expect(again.memberCount).toBe(2);
    expect(again.viewerIsMember).toBe(true);
    expect(await messages(alice, roomId)).toEqual([
      ['SYSTEM', `${alice.name} joined`, null],
      ['SYSTEM', `${bob.name} joined`, null],
    ]);
    expect(await myRoomIds(bob)).toEqual([roomId]);
  });

  it('refuses to join a full room with ROOM_FULL and changes nothing', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await createRoom(alice, { maxMembers: 2 });
    await bob.http.request(RoomsJoinDoc, { roomId });
    await expectCode(carol.http.request(RoomsJoinDoc, { roomId }), 'ROOM_FULL');
    // A member joining again is still fine: it adds no one.
    const { joinRoom } = await bob.http.request(RoomsJoinDoc, { roomId });
    expect(joinRoom.memberCount).toBe(2);

    const { room } = await carol.http.request(RoomsGetDoc, { id: roomId });
    expect(room).toMatchObject({ memberCount: 2, viewerIsMember: false });
    expect(room?.members.map((m) => m.id)).not.toContain(carol.id);
    expect(await myRoomIds(carol)).toEqual([]);
    expect(await messages(alice, roomId)).toEqual([
      ['SYSTEM', `${alice.name} joined`, null],
      ['SYSTEM', `${bob.name} joined`, null],
    ]);
    // A place freed is a place taken.
    await bob.http.request(RoomsLeaveDoc, { roomId });
    const { joinRoom: carolIn } = await carol.http.request(RoomsJoinDoc, { roomId });
    expect(carolIn.memberCount).toBe(2);
  });

  it('leaves a room with a "left" message; leaving a public room one is not in changes nothing', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    await bob.http.request(RoomsJoinDoc, { roomId });
    const { leaveRoom } = await bob.http.request(RoomsLeaveDoc, { roomId });
    expect(leaveRoom).toMatchObject({ id: roomId, memberCount: 1, viewerIsMember: false });
    expect(leaveRoom.members.map((m) => m.id)).toEqual([alice.id]);
    expect(await myRoomIds(bob)).toEqual([]);

    const { leaveRoom: unchanged } = await carol.http.request(RoomsLeaveDoc, { roomId });
    expect(unchanged).toMatchObject({ id: roomId, memberCount: 1, viewerIsMember: false });
    // Bob leaving again is the same no-op.
    const { leaveRoom: again } = await bob.http.request(RoomsLeaveDoc, { roomId });
    expect(again.memberCount).toBe(1);
    expect(await messages(alice, roomId)).toEqual([
      ['SYSTEM', `${alice.name} joined`, null],
      ['SYSTEM', `${bob.name} joined`, null],
      ['SYSTEM', `${bob.name} left`, null],
    ]);
  });

  it('lets a member invite a user into a private room, idempotently', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await createRoom(alice, { isPrivate: true });
    await expectCode(bob.http.request(RoomsGetDoc, { id: roomId }), 'NOT_FOUND');

    const { inviteToRoom } = await alice.http.request(RoomsInviteDoc, { roomId, userId: bob.id });
    expect(inviteToRoom.memberCount).toBe(2);
    expect(inviteToRoom.viewerIsMember).toBe(true);
    expect(inviteToRoom.members.map((m) => m.id).sort()).toEqual([alice.id, bob.id].sort());
    const { inviteToRoom: again } = await alice.http.request(RoomsInviteDoc, {
      roomId,
      userId: bob.id,
    });
    expect(again.memberCount).toBe(2);

    expect(await myRoomIds(bob)).toEqual([roomId]);
    const { room } = await bob.http.request(RoomsGetDoc, { id: roomId });
    expect(room).toMatchObject({
      id: roomId,
      isPrivate: true,
      memberCount: 2,
      viewerIsMember: true,
    });

    // The invitee is a full member: they may invite in turn, and send.
    await bob.http.request(RoomsInviteDoc, { roomId, userId: carol.id });
    await bob.http.request(RoomsSendDoc, { roomId, content: 'hello' });
    expect(await messages(carol, roomId)).toEqual([
      ['SYSTEM', `${alice.name} joined`, null],
      ['SYSTEM', `${bob.name} joined`, null],
      ['SYSTEM', `${carol.name} joined`, null],
      ['TEXT', 'hello', bob.id],
    ]);

    // An unknown invitee is NOT_FOUND and changes nothing.
    await expectCode(
      alice.http.request(RoomsInviteDoc, { roomId, userId: MISSING_ROOM_ID }),
      'NOT_FOUND',
    );
    expect((await alice.http.request(RoomsGetDoc, { id: roomId })).room?.memberCount).toBe(3);
  });

  it('refuses invitations from non-members and into a full room', async () => {
    const [alice, bob, carol, dave] = await Promise.all([
      signUp(server),
      signUp(server),
      signUp(server),
      signUp(server),
    ]);
    const publicId = await createRoom(alice);
    await expectCode(
      bob.http.request(RoomsInviteDoc, { roomId: publicId, userId: carol.id }),
      'FORBIDDEN',
    );
    const privateId = await createRoom(alice, { isPrivate: true, maxMembers: 2 });
    await expectCode(
      bob.http.request(RoomsInviteDoc, { roomId: privateId, userId: bob.id }),
      'NOT_FOUND',
    );
    await alice.http.request(RoomsInviteDoc, { roomId: privateId, userId: carol.id });
    await expectCode(
      alice.http.request(RoomsInviteDoc, { roomId: privateId, userId: dave.id }),
      'ROOM_FULL',
    );
    // Re-inviting a member of a full room adds no one and is no error.
    const { inviteToRoom } = await alice.http.request(RoomsInviteDoc, {
      roomId: privateId,
      userId: carol.id,
    });
    expect(inviteToRoom.memberCount).toBe(2);

    expect((await alice.http.request(RoomsGetDoc, { id: publicId })).room?.memberCount).toBe(1);
    expect(await myRoomIds(carol)).toEqual([privateId]);
    expect(await myRoomIds(dave)).toEqual([]);
    await expectCode(dave.http.request(RoomsGetDoc, { id: privateId }), 'NOT_FOUND');
    expect(await messages(alice, publicId)).toEqual([['SYSTEM', `${alice.name} joined`, null]]);
    expect(await messages(alice, privateId)).toEqual([
      ['SYSTEM', `${alice.name} joined`, null],
      ['SYSTEM', `${carol.name} joined`, null],
    ]);
  });

  it('hides a private room from non-members behind NOT_FOUND, as if it did not exist', async () => {
    const [alice, carol] = await Promise.all([signUp(server), signUp(server)]);
    const privateId = await createRoom(alice, { isPrivate: true });
    const client = ws(carol);

    // A room that does not exist, a malformed id and a private room all look the same.
    for (const roomId of [privateId, MISSING_ROOM_ID, 'not-an-id']) {
      const http = carol.http;
      await expectCode(http.request(RoomsGetDoc, { id: roomId }), 'NOT_FOUND');
      await expectCode(http.request(RoomsHistoryDoc, { roomId }), 'NOT_FOUND');
      await expectCode(http.request(RoomsJoinDoc, { roomId }), 'NOT_FOUND');
      await expectCode(http.request(RoomsLeaveDoc, { roomId }), 'NOT_FOUND');
      await expectCode(http.request(RoomsSendDoc, { roomId, content: 'hi' }), 'NOT_FOUND');
      await expectCode(http.request(RoomsInviteDoc, { roomId, userId: carol.id }), 'NOT_FOUND');
      await expectCode(http.request(RoomsOnlineDoc, { roomId }), 'NOT_FOUND');
      const roomMessages = subscribe(client, RoomsMessagesDoc, { roomId });
      expect(await outcome(roomMessages)).toBe('NOT_FOUND');
      const presence = subscribe(client, RoomsPresenceDoc, { roomId });
      expect(await outcome(presence)).toBe('NOT_FOUND');
    }

    // Lists leave it out for her, and show it to its member.
    expect(await allRoomIds(carol)).not.toContain(privateId);
    expect(await myRoomIds(carol)).toEqual([]);
    expect(await allRoomIds(alice)).toContain(privateId);
    expect(await myRoomIds(alice)).toEqual([privateId]);

    // None of it changed the room, and its member can use every operation.
    const { room } = await alice.http.request(RoomsGetDoc, { id: privateId });
    expect(room).toMatchObject({ memberCount: 1, viewerIsMember: true });
    expect(await messages(alice, privateId)).toEqual([['SYSTEM', `${alice.name} joined`, null]]);
    const { onlineUsers } = await alice.http.request(RoomsOnlineDoc, { roomId: privateId });
    expect(onlineUsers).toEqual([]);
  });

  it('lets only members send, but anyone read and follow a public room', async () => {
    const [alice, carol] = await Promise.all([signUp(server), signUp(server)]);
    const roomId = await createRoom(alice);
    await alice.http.request(RoomsSendDoc, { roomId, content: 'first' });
    await expectCode(carol.http.request(RoomsSendDoc, { roomId, content: 'nope' }), 'FORBIDDEN');
    expect(await messages(carol, roomId)).toEqual([
      ['SYSTEM', `${alice.name} joined`, null],
      ['TEXT', 'first', alice.id],
    ]);

    // Carol, a non-member, gets live what is sent once her subscription listens.
    const outsider = subscribe(ws(carol), RoomsMessagesDoc, { roomId });
    const sent: string[] = [];
    for (let i = 0; outsider.received.length === 0 && i < 1000; i += 1) {
      const { sendRoomMessage } = await alice.http.request(RoomsSendDoc, {
        roomId,
        content: `live ${i}`,
      });
      sent.push(sendRoomMessage.content);
    }
    const [firstSeen] = await outsider.take(1);
    const index = sent.indexOf(firstSeen?.roomMessages.content ?? '');
    expect(index).toBeGreaterThanOrEqual(0);
    const rest = await outsider.take(sent.length - 1 - index);
    expect([firstSeen, ...rest].map((data) => data?.roomMessages.content)).toEqual(
      sent.slice(index),
    );
    // Nothing from before she listened ('first', or the "joined" message) came.
    expect(firstSeen?.roomMessages.kind).toBe('TEXT');
    expect(firstSeen?.roomMessages.content).not.toBe('first');
    outsider.dispose();
  });

  it('ends the roomMessages subscriptions of a user who leaves a private room', async () => {
    const [alice, bob, carol] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
    const roomId = await createRoom(alice, { isPrivate: true });
    await alice.http.request(RoomsInviteDoc, { roomId, userId: bob.id });
    await alice.http.request(RoomsInviteDoc, { roomId, userId: carol.id });
    const before = await alice.http.request(RoomsSendDoc, { roomId, content: 'before' });

    // Bob follows the room on two connections; Carol, who stays, on one. Each resumes
    // right after Alice's "joined" message, so each is listening once it has got "before".
    const { roomHistory } = await alice.http.request(RoomsHistoryDoc, { roomId });
    const afterCreation = roomHistory.edges[0]?.cursor;
    expect(roomHistory.edges[0]?.node.content).toBe(`${alice.name} joined`);
    const args = { roomId, after: afterCreation };
    const bobSubs = [
      subscribe(ws(bob), RoomsMessagesDoc, args),
      subscribe(ws(bob), RoomsMessagesDoc, args),
    ];
    const carolSub = subscribe(ws(carol), RoomsMessagesDoc, args);
    for (const sub of [...bobSubs, carolSub]) {
      const got = await sub.take(3);
      expect(got.map((data) => data.roomMessages.content)).toEqual([
        `${bob.name} joined`,
        `${carol.name} joined`,
        'before',
      ]);
      expect(got[2]?.roomMessages.id).toBe(before.sendRoomMessage.id);
    }

    await bob.http.request(RoomsLeaveDoc, { roomId });
    for (const sub of bobSubs) expect(await outcome(sub)).toBe('completed');
    const after = await alice.http.request(RoomsSendDoc, { roomId, content: 'after' });

    // Carol gets "left", then "after"; Bob got nothing sent after he left.
    const carolNext = await carolSub.take(2);
    expect(carolNext.map((data) => data.roomMessages.content)).toEqual([
      `${bob.name} left`,
      'after',
    ]);
    for (const sub of bobSubs) {
      expect(sub.received.map((data) => data.roomMessages.id)).not.toContain(
        after.sendRoomMessage.id,
      );
      expect(sub.received.every((data) => data.roomMessages.seq < after.sendRoomMessage.seq)).toBe(
        true,
      );
    }
    // And he cannot follow it again.
    const again = subscribe(ws(bob), RoomsMessagesDoc, { roomId });
    expect(await outcome(again)).toBe('NOT_FOUND');
    await expectCode(bob.http.request(RoomsHistoryDoc, { roomId }), 'NOT_FOUND');
    carolSub.dispose();
  });

  it('pages through rooms oldest first with first and after', async () => {
    const [alice, bob] = await Promise.all([signUp(server), signUp(server)]);
    const a = await createRoom(alice);
    const hidden = await createRoom(bob, { isPrivate: true });
    const b = await createRoom(bob);
    const mine = await createRoom(alice, { isPrivate: true });

    // Every page of one, then of two, gives the same list: oldest (lowest id) first.
    const byOne = await allRoomIds(alice, 1);
    const byTwo = await allRoomIds(alice, 2);
    expect(byTwo).toEqual(byOne);
    expect(new Set(byOne).size).toBe(byOne.length);
    expect(byOne.slice(-3)).toEqual([a, b, mine]);
    expect(byOne).not.toContain(hidden);
    const numeric = byOne.map(Number);
    expect(numeric).toEqual([...numeric].sort((x, y) => x - y));

    // The cursor of `a` leads to `b`, then `mine`, the newest.
    const { rooms: upToA } = await alice.http.request(RoomsListDoc, {
      first: byOne.indexOf(a) + 1,
    });
    const cursorA = upToA.edges.at(-1)?.cursor;
    expect(upToA.edges.at(-1)?.node.id).toBe(a);
    expect(upToA.pageInfo).toMatchObject({ hasNextPage: true, endCursor: cursorA });

    const { rooms: one } = await alice.http.request(RoomsListDoc, { first: 1, after: cursorA });
    expect(one.edges.map((edge) => edge.node.id)).toEqual([b]);
    expect(one.pageInfo).toMatchObject({
      hasNextPage: true,
      startCursor: one.edges[0]?.cursor,
      endCursor: one.edges[0]?.cursor,
    });
    const { rooms: two } = await alice.http.request(RoomsListDoc, { first: 2, after: cursorA });
    expect(two.edges.map((edge) => edge.node.id)).toEqual([b, mine]);
    expect(two.pageInfo.hasNextPage).toBe(false);
    const { rooms: none } = await alice.http.request(RoomsListDoc, {
      after: two.pageInfo.endCursor,
    });
    expect(none.edges).toEqual([]);
    expect(none.pageInfo).toMatchObject({
      hasNextPage: false,
      startCursor: null,
      endCursor: null,
    });

    // Bob sees his private room where it belongs, and not Alice's.
    const bobs = await allRoomIds(bob);
    expect(bobs.slice(-3)).toEqual([a, hidden, b]);
    expect(bobs).not.toContain(mine);
  });

  it('refuses a bad rooms cursor or page size with BAD_USER_INPUT', async () => {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    const { roomHistory } = await alice.http.request(RoomsHistoryDoc, { roomId });
    const messageCursor = roomHistory.edges[0]?.cursor;
    expect(messageCursor).toBeDefined();
    for (const after of ['garbage', Buffer.from('room:abc').toString('base64url'), messageCursor]) {
      await expectCode(alice.http.request(RoomsListDoc, { first: 10, after }), 'BAD_USER_INPUT');
    }
    for (const first of [0, -1, 101]) {
      await expectCode(alice.http.request(RoomsListDoc, { first }), 'BAD_USER_INPUT');
    }
  });
});
