import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { ChatInviteDoc, createRoom, joinRoom, sendDirect, sendToRoom } from './helpers/chat.js';
import { expectCode, signUp, type TestUser } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SearchDoc = graphql(`
  query Search($query: String!, $roomId: ID, $first: Int, $after: String) {
    searchMessages(query: $query, roomId: $roomId, first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          channel
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

const SearchEditDoc = graphql(`
  mutation SearchEdit($messageId: ID!, $content: String!) {
    editMessage(messageId: $messageId, content: $content) {
      id
    }
  }
`);

const SearchDeleteDoc = graphql(`
  mutation SearchDelete($messageId: ID!) {
    deleteMessage(messageId: $messageId) {
      id
    }
  }
`);

const SearchLeaveDoc = graphql(`
  mutation SearchLeave($roomId: ID!) {
    leaveRoom(roomId: $roomId) {
      id
    }
  }
`);

const SearchBroadcastDoc = graphql(`
  mutation SearchBroadcast($content: String!) {
    broadcast(content: $content) {
      id
    }
  }
`);

const SearchDeleteRoomDoc = graphql(`
  mutation SearchDeleteRoom($roomId: ID!) {
    deleteRoom(roomId: $roomId)
  }
`);

const ADMIN = 'search_admin';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ADMIN_USERS: ADMIN });
});
afterAll(async () => {
  await server.close();
});

async function search(
  user: TestUser,
  query: string,
  options: { roomId?: string; first?: number; after?: string } = {},
) {
  return (await user.http.request(SearchDoc, { query, ...options })).searchMessages;
}
const contents = async (user: TestUser, query: string, roomId?: string) =>
  (await search(user, query, roomId ? { roomId } : {})).edges.map((e) => e.node.content);

/** A word no other test uses, so that each test searches only its own messages. */
const word = () => `zq${randomUUID().replaceAll('-', '')}`;

describe('searchMessages', () => {
  it('matches every word, stemmed, newest first, with the viewer’s own cursors', async () => {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    const w = word();
    const fast = await sendToRoom(alice, roomId, `${w} the runners were running fast`);
    await sendToRoom(alice, roomId, `${w} a slow walker`);
    const late = await sendToRoom(alice, roomId, `${w} RUNS late again`);
    expect(await contents(alice, `${w} run`)).toEqual([
      `${w} RUNS late again`,
      `${w} the runners were running fast`,
    ]);
    expect(await contents(alice, `${w} running FAST`)).toEqual([
      `${w} the runners were running fast`,
    ]);
    const { edges } = await search(alice, `${w} runs`);
    expect(edges.map((e) => [e.node.id, e.node.seq, e.node.cursor])).toEqual([
      [late.id, late.seq, late.cursor],
      [fast.id, fast.seq, fast.cursor],
    ]);
  });

  it('finds only what the viewer may read: no private rooms, others’ conversations or deletions', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const carol = await signUp(server);
    const admin = await signUp(server, ADMIN);
    const w = word();
    const publicRoom = await createRoom(alice);
    const privateRoom = await createRoom(alice, true);
    await sendToRoom(alice, publicRoom, `${w} in public`);
    await sendToRoom(alice, privateRoom, `${w} in private`);
    await sendDirect(alice, carol, `${w} to carol`);
    await admin.http.request(SearchBroadcastDoc, { content: `${w} to everyone` });
    const gone = await sendToRoom(alice, publicRoom, `${w} soon deleted`);
    await alice.http.request(SearchDeleteDoc, { messageId: gone.id });

    expect(await contents(alice, w)).toEqual([
      `${w} to everyone`,
      `${w} to carol`,
      `${w} in private`,
      `${w} in public`,
    ]);
    expect(await contents(bob, w)).toEqual([`${w} to everyone`, `${w} in public`]);
    expect(await contents(carol, w)).toEqual([
      `${w} to everyone`,
      `${w} to carol`,
      `${w} in public`,
    ]);
    // Invited into the private room, bob finds it too; the direct message is carol's only.
    await alice.http.request(ChatInviteDoc, { roomId: privateRoom, userId: bob.id });
    expect(await contents(bob, w)).toEqual([
      `${w} to everyone`,
      `${w} in private`,
      `${w} in public`,
    ]);
    expect(await contents(bob, `${w} deleted`)).toEqual([]);
    // A room filter keeps to that room, and a room the viewer cannot see is NOT_FOUND.
    expect(await contents(alice, w, publicRoom)).toEqual([`${w} in public`]);
    await expectCode(search(carol, w, { roomId: privateRoom }), 'NOT_FOUND');
  });

  it('finds nothing of a private room once the viewer has left it', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const w = word();
    const privateRoom = await createRoom(alice, true);
    await alice.http.request(ChatInviteDoc, { roomId: privateRoom, userId: bob.id });
    await sendToRoom(alice, privateRoom, `${w} said while bob was in`);
    await sendToRoom(bob, privateRoom, `${w} said by bob himself`);
    expect(await contents(bob, w)).toEqual([
      `${w} said by bob himself`,
      `${w} said while bob was in`,
    ]);

    await bob.http.request(SearchLeaveDoc, { roomId: privateRoom });
    await sendToRoom(alice, privateRoom, `${w} said after bob left`);
    expect(await contents(bob, w)).toEqual([]);
    await expectCode(search(bob, w, { roomId: privateRoom }), 'NOT_FOUND');
    expect(await contents(alice, w)).toHaveLength(3);
  });

  it('follows edits: new words are found, old ones no longer', async () => {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    const [before, after] = [word(), word()];
    const message = await sendToRoom(alice, roomId, `${before} draft`);
    await alice.http.request(SearchEditDoc, { messageId: message.id, content: `${after} final` });
    expect(await contents(alice, before)).toEqual([]);
    expect(await contents(alice, after)).toEqual([`${after} final`]);
  });

  it('reads operators and punctuation as plain words, never as syntax', async () => {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    const w = word();
    await sendToRoom(alice, roomId, `${w} apples and pears`);
    await sendToRoom(alice, roomId, `${w} NOT OR NEAR`);
    await sendToRoom(alice, roomId, `${w} can't stop`);
    expect(await contents(alice, `${w} apples OR nothing`)).toEqual([]);
    expect(await contents(alice, `${w} NOT apples`)).toEqual([]);
    expect(await contents(alice, `${w} near or`)).toEqual([`${w} NOT OR NEAR`]);
    expect(await contents(alice, `${w} app*`)).toEqual([]);
    expect(await contents(alice, `${w} "can't`)).toEqual([`${w} can't stop`]);
    expect(await contents(alice, `${w} content:apples`)).toEqual([]);
    for (const query of [`${w} (apples`, `${w} -pears`, `${w} ^apples`, `${w} pears)`])
      expect(await contents(alice, query)).toEqual([`${w} apples and pears`]);
  });

  it('pages with cursors that belong to its query, and refuses bad input', async () => {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    const w = word();
    for (const n of [1, 2, 3, 4, 5]) await sendToRoom(alice, roomId, `${w} number ${n}`);
    const first = await search(alice, w, { first: 2 });
    expect(first.edges.map((e) => e.node.content)).toEqual([`${w} number 5`, `${w} number 4`]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.pageInfo.endCursor).toBe(first.edges[1]?.cursor);
    const second = await search(alice, w, { first: 2, after: first.pageInfo.endCursor ?? '' });
    expect(second.edges.map((e) => e.node.content)).toEqual([`${w} number 3`, `${w} number 2`]);
    const last = await search(alice, w, { first: 2, after: second.pageInfo.endCursor ?? '' });
    expect(last.edges.map((e) => e.node.content)).toEqual([`${w} number 1`]);
    expect(last.pageInfo.hasNextPage).toBe(false);

    const cursor = first.pageInfo.endCursor ?? '';
    await expectCode(search(alice, `${w} number`, { after: cursor }), 'BAD_USER_INPUT');
    await expectCode(search(alice, w, { roomId, after: cursor }), 'BAD_USER_INPUT');
    await expectCode(
      search(alice, w, { after: first.edges[0]?.node.cursor ?? '' }),
      'BAD_USER_INPUT',
    );
    await expectCode(search(alice, w, { after: 'garbage' }), 'BAD_USER_INPUT');
    for (const query of ['', '   ', 'x'.repeat(201), '!!! ???'])
      await expectCode(search(alice, query), 'BAD_USER_INPUT');
    await expectCode(search(alice, w, { first: 0 }), 'BAD_USER_INPUT');
    await expectCode(search(alice, w, { first: 101 }), 'BAD_USER_INPUT');
  });

  it('keeps its index across a restart', async () => {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    const w = word();
    await sendToRoom(alice, roomId, `${w} durable`);
    await server.restart();
    expect(await contents(alice, w)).toEqual([`${w} durable`]);
  });

  it('forgets a deleted room', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const roomId = await createRoom(alice);
    await joinRoom(bob, roomId);
    const w = word();
    await sendToRoom(bob, roomId, `${w} in a doomed room`);
    expect(await contents(bob, w)).toEqual([`${w} in a doomed room`]);
    await alice.http.request(SearchDeleteRoomDoc, { roomId });
    expect(await contents(bob, w)).toEqual([]);
  });
});
