import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { ChatCreateRoomDoc, ChatJoinRoomDoc, ChatSendRoomDoc } from './helpers/chat.js';
import {
  connected,
  type Subscription,
  signUp,
  subscribe,
  type TestUser,
  uniqueName,
  wsClient,
} from './helpers/clients.js';
import { openRawSocket, type WireMessage } from './helpers/raw-ws.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Subscribers of one stream with the same document and variables share one execution and
// one serialization of each event; these check that nothing viewer-specific is shared.

const ViewerSpecificDoc = graphql(`
  subscription FanoutViewerSpecific($roomId: ID!, $after: String) {
    roomMessages(roomId: $roomId, after: $after) {
      seq
      kind
      content
      room {
        viewerRole
      }
      target {
        reactions {
          emoji
          count
          viewerReacted
        }
      }
    }
  }
`);

const FanoutHeadDoc = graphql(`
  query FanoutHead($roomId: ID!) {
    roomHistory(roomId: $roomId, last: 1) {
      edges {
        cursor
      }
    }
  }
`);

const FanoutReactDoc = graphql(`
  mutation FanoutReact($messageId: ID!, $emoji: String!) {
    addReaction(messageId: $messageId, emoji: $emoji) {
      seq
    }
  }
`);

const FanoutSendDoc = graphql(`
  mutation FanoutSend($roomId: ID!, $content: String!, $clientId: String) {
    sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) {
      id
      seq
    }
  }
`);

let server: TestServer;
let owner: TestUser;
let member: TestUser;
let other: TestUser;
let roomId: string;

beforeAll(async () => {
  server = await startTestServer();
  [owner, member, other] = await Promise.all([signUp(server), signUp(server), signUp(server)]);
  const { createRoom } = await owner.http.request(ChatCreateRoomDoc, { name: uniqueName('fan') });
  roomId = createRoom.id;
  await member.http.request(ChatJoinRoomDoc, { roomId });
  await other.http.request(ChatJoinRoomDoc, { roomId });
});

afterAll(async () => {
  await server?.close();
});

async function headCursor(): Promise<string> {
  const { roomHistory } = await owner.http.request(FanoutHeadDoc, { roomId });
  const cursor = roomHistory.edges[0]?.cursor;
  if (!cursor) throw new Error('empty room');
  return cursor;
}

describe('shared subscription results', () => {
  it('never shares a result that read the viewer: each sees its own role and reactions', async () => {
    const after = await headCursor();
    const clients = [owner, member, member, other].map((user) =>
      wsClient(server, user.token, { lazy: false }),
    );
    await Promise.all(clients.map(connected));
    // The same document and variables for all four: only the viewer differs (twice the same).
    const subscriptions = clients.map((client) =>
      subscribe(client, ViewerSpecificDoc, { roomId, after }),
    );
    const [asOwner, asMember, asMemberAgain, asOther] = subscriptions as [
      Subscription<{ roomMessages: ViewerMessage }>,
      Subscription<{ roomMessages: ViewerMessage }>,
      Subscription<{ roomMessages: ViewerMessage }>,
      Subscription<{ roomMessages: ViewerMessage }>,
    ];
    const { sendRoomMessage } = await owner.http.request(ChatSendRoomDoc, {
      roomId,
      content: 'shared?',
    });
    const roles = await Promise.all(
      subscriptions.map(async (s) => (await s.take(1))[0]?.roomMessages.room?.viewerRole),
    );
    expect(roles).toEqual(['OWNER', 'MEMBER', 'MEMBER', 'MEMBER']);

    await member.http.request(FanoutReactDoc, { messageId: sendRoomMessage.id, emoji: '👍' });
    const reacted = async (s: Subscription<{ roomMessages: ViewerMessage }>) => {
      const [event] = await s.take(1);
      expect(event?.roomMessages.kind).toBe('REACTION');
      return event?.roomMessages.target?.reactions.map((r) => [r.emoji, r.count, r.viewerReacted]);
    };
    expect(await reacted(asMember)).toEqual([['👍', 1, true]]);
    expect(await reacted(asMemberAgain)).toEqual([['👍', 1, true]]);
    expect(await reacted(asOwner)).toEqual([['👍', 1, false]]);
    expect(await reacted(asOther)).toEqual([['👍', 1, false]]);
    for (const client of clients) await client.dispose();
  });

  it('writes one event to two subscriptions of one socket, each under its own id', async () => {
    const after = await headCursor();
    const socket = await openRawSocket(server.wsUrl);
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${member.token}` } });
    expect((await socket.next()).type).toBe('connection_ack');
    const payload = { query: print(ViewerSpecificDoc), variables: { roomId, after } };
    socket.send({ id: 'first', type: 'subscribe', payload });
    socket.send({ id: 'sec"ond', type: 'subscribe', payload });
    await owner.http.request(ChatSendRoomDoc, { roomId, content: 'twice' });
    const messages: WireMessage[] = [await socket.next(), await socket.next()];
    expect(messages.map((m) => [m.type, m.id]).sort()).toEqual([
      ['next', 'first'],
      ['next', 'sec"ond'],
    ]);
    expect(messages[0]?.payload).toEqual(messages[1]?.payload);
    expect(messages[0]?.payload).toMatchObject({
      data: { roomMessages: { content: 'twice', room: { viewerRole: 'MEMBER' } } },
    });
    socket.close();
    await socket.closed;
  });
});

describe('group commit', () => {
  it('commits concurrent sends together, each once, consecutive; a duplicate fails alone', async () => {
    const socket = await openRawSocket(server.wsUrl);
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${member.token}` } });
    expect((await socket.next()).type).toBe('connection_ack');
    const SENDS = 20;
    // Written back to back, so they are read in the same turn and queue for one commit;
    // the second "same" loses the race on its clientId inside the transaction.
    for (let i = 0; i < SENDS; i += 1) {
      socket.send({
        id: `send-${i}`,
        type: 'subscribe',
        payload: {
          query: print(FanoutSendDoc),
          variables: { roomId, content: `group ${i}`, clientId: i < 2 ? 'same' : `group-${i}` },
        },
      });
    }
    const acks = new Map<string, { id: string; seq: number }>();
    while (acks.size < SENDS) {
      const message = await socket.next();
      if (message.type !== 'next') continue;
      const { data } = message.payload as {
        data?: { sendRoomMessage: { id: string; seq: number } };
      };
      if (!data) throw new Error(JSON.stringify(message.payload));
      acks.set(message.id as string, data.sendRoomMessage);
    }
    expect(acks.get('send-1')).toEqual(acks.get('send-0'));
    const seqs = [...new Set([...acks.values()].map((ack) => ack.seq))].sort((a, b) => a - b);
    expect(seqs).toHaveLength(SENDS - 1);
    // No seq was taken by the send that failed: the run has no gap.
    expect(seqs.at(-1)).toBe((seqs[0] as number) + SENDS - 2);
    socket.close();
    await socket.closed;
  });
});

interface ViewerMessage {
  seq: number;
  kind: string;
  content: string;
  room: { viewerRole: string | null } | null;
  target: { reactions: Array<{ emoji: string; count: number; viewerReacted: boolean }> } | null;
}
