import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { createRoom, joinRoom, roomHistory, sendDirect, sendToRoom } from './helpers/chat.js';
import {
  expectCode,
  type Subscription,
  signUp,
  subscribe,
  type TestUser,
  wsClient,
} from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const RepliesReplyDoc = graphql(`
  mutation RepliesReply($messageId: ID!, $content: String!, $clientId: String) {
    replyToMessage(messageId: $messageId, content: $content, clientId: $clientId) {
      id
      channel
      kind
      seq
      content
      clientId
      recipient {
        id
      }
      room {
        id
      }
      replyTo {
        id
        seq
        content
      }
    }
  }
`);

const RepliesListDoc = graphql(`
  query RepliesList($messageId: ID!, $first: Int, $after: String) {
    replies(messageId: $messageId, first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          seq
          content
          replyTo {
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

const RepliesRoomMessagesDoc = graphql(`
  subscription RepliesRoomMessages($roomId: ID!) {
    roomMessages(roomId: $roomId) {
      id
      kind
      content
      replyTo {
        id
        content
        replyCount
      }
    }
  }
`);

const RepliesDeleteDoc = graphql(`
  mutation RepliesDelete($messageId: ID!) {
    deleteMessage(messageId: $messageId) {
      id
    }
  }
`);

const RepliesBroadcastDoc = graphql(`
  mutation RepliesBroadcast($content: String!) {
    broadcast(content: $content) {
      id
    }
  }
`);

const ADMIN = 'replies_admin';

let server: TestServer;
const clients: Client[] = [];
const subscriptions: Array<Subscription<unknown>> = [];

beforeAll(async () => {
  server = await startTestServer({ ADMIN_USERS: ADMIN });
});
afterEach(async () => {
  for (const s of subscriptions.splice(0)) s.dispose();
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
afterAll(async () => {
  await server.close();
});

const reply = async (user: TestUser, messageId: string, content: string, clientId?: string) =>
  (await user.http.request(RepliesReplyDoc, { messageId, content, clientId })).replyToMessage;
const replies = async (user: TestUser, messageId: string, first?: number, after?: string) =>
  (await user.http.request(RepliesListDoc, { messageId, first, after })).replies;

describe('replies', () => {
  it('go into the same room, one level deep, counted and listed oldest first', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const roomId = await createRoom(alice);
    await joinRoom(bob, roomId);
    const client = wsClient(server, alice.token);
    clients.push(client);
    const live = subscribe(client, RepliesRoomMessagesDoc, { roomId });
    subscriptions.push(live as Subscription<unknown>);
    await live.take(2);
    const root = await sendToRoom(alice, roomId, 'lunch?');
    await live.take(1);

    const first = await reply(bob, root.id, 'yes');
    expect(first).toMatchObject({
      channel: 'ROOM',
      kind: 'TEXT',
      seq: root.seq + 1,
      room: { id: roomId },
      replyTo: { id: root.id, seq: root.seq, content: 'lunch?' },
    });
    const second = await reply(alice, root.id, 'noon then');
    // A reply to a reply answers the same root.
    const third = await reply(bob, first.id, 'ok');
    expect(third.replyTo?.id).toBe(root.id);
    const seen = (await live.take(3)).map((r) => r.roomMessages);
    expect(seen.map((m) => [m.content, m.replyTo?.id])).toEqual([
      ['yes', root.id],
      ['noon then', root.id],
      ['ok', root.id],
    ]);
    expect(seen[2]?.replyTo?.replyCount).toBe(3);

    const page = await replies(bob, root.id, 2);
    expect(page.edges.map((e) => e.node.content)).toEqual(['yes', 'noon then']);
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const rest = await replies(bob, root.id, 2, page.pageInfo.endCursor ?? undefined);
    expect(rest.edges.map((e) => e.node.id)).toEqual([third.id]);
    expect(rest.pageInfo.hasNextPage).toBe(false);

    // A deleted reply is left out of the count and the list.
    await alice.http.request(RepliesDeleteDoc, { messageId: second.id });
    expect((await replies(alice, root.id)).edges.map((e) => e.node.id)).toEqual([
      first.id,
      third.id,
    ]);
    const history = await roomHistory(alice.http, roomId);
    expect(history.find((m) => m.id === root.id)?.replyCount).toBe(2);
    expect(history.find((m) => m.id === first.id)?.replyCount).toBe(0);
  });

  it('in a conversation go to the other side, in both inboxes', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const dm = await sendDirect(alice, bob, 'did you get it?');
    const answer = await reply(bob, dm.id, 'got it');
    expect(answer).toMatchObject({
      channel: 'DIRECT',
      recipient: { id: alice.id },
      replyTo: { id: dm.id, content: 'did you get it?' },
    });
    const seenByAlice = await replies(alice, dm.id);
    expect(seenByAlice.edges.map((e) => [e.node.id, e.node.seq])).toEqual([
      [answer.id, dm.seq + 1],
    ]);
    const stranger = await signUp(server);
    await expectCode(reply(stranger, dm.id, 'me too'), 'NOT_FOUND');
    await expectCode(replies(stranger, dm.id), 'NOT_FOUND');
  });

  it('follow the rules of a send: targets, members, admins, content, clientId', async () => {
    const alice = await signUp(server);
    const outsider = await signUp(server);
    const admin = await signUp(server, ADMIN);
    const roomId = await createRoom(alice);
    const secret = await createRoom(alice, true);
    const root = await sendToRoom(alice, roomId, 'root');
    const hidden = await sendToRoom(alice, secret, 'hidden');
    const joined = (await roomHistory(alice.http, roomId))[0];

    await expectCode(reply(alice, joined?.id ?? '', 'to a system message'), 'BAD_USER_INPUT');
    await expectCode(reply(outsider, root.id, 'not a member'), 'FORBIDDEN');
    await expectCode(reply(outsider, hidden.id, 'cannot see it'), 'NOT_FOUND');
    await expectCode(reply(alice, root.id, '   '), 'BAD_USER_INPUT');
    await expectCode(replies(alice, root.id, 0), 'BAD_USER_INPUT');
    await expectCode(replies(alice, root.id, 10, 'not-a-cursor'), 'BAD_USER_INPUT');

    const once = await reply(alice, root.id, 'once', 'reply-1');
    expect(await reply(alice, root.id, 'twice', 'reply-1')).toEqual(once);

    const { broadcast } = await admin.http.request(RepliesBroadcastDoc, { content: 'news' });
    await expectCode(reply(outsider, broadcast.id, 'me!'), 'FORBIDDEN');
    expect((await reply(admin, broadcast.id, 'more news')).channel).toBe('BROADCAST');

    await alice.http.request(RepliesDeleteDoc, { messageId: root.id });
    await expectCode(reply(alice, root.id, 'too late'), 'BAD_USER_INPUT');
    await expectCode(reply(alice, once.id, 'too late, via a reply'), 'BAD_USER_INPUT');
    expect((await roomHistory(alice.http, roomId)).map((m) => m.kind)).toEqual([
      'SYSTEM',
      'TEXT',
      'TEXT',
      'DELETE',
    ]);
  });
});
