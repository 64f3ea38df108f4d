import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { expectCode, signUp, type TestUser } from './helpers/clients.js';
import { backdate } from './helpers/rows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ReadsPrunedCreateDoc = graphql(`
  mutation ReadsPrunedCreate($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);

const ReadsPrunedJoinDoc = graphql(`
  mutation ReadsPrunedJoin($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      id
    }
  }
`);

const ReadsPrunedSendDoc = graphql(`
  mutation ReadsPrunedSend($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      id
      cursor
    }
  }
`);

const ReadsPrunedMarkDoc = graphql(`
  mutation ReadsPrunedMark($roomId: ID!, $upTo: String!) {
    markRead(roomId: $roomId, upTo: $upTo) {
      message {
        id
      }
    }
  }
`);

const ReadsPrunedStateDoc = graphql(`
  query ReadsPrunedState($id: ID!) {
    room(id: $id) {
      unreadCount
      lastMessage {
        content
      }
    }
  }
`);

describe('read state under RETENTION_DAYS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RETENTION_DAYS: '7' });
  });
  afterAll(() => server.close());

  it('counts only retained messages as unread, whatever the read position', async () => {
    const [alice, behind, middle, ahead] = await Promise.all([
      signUp(server),
      signUp(server),
      signUp(server),
      signUp(server),
    ]);
    const { createRoom } = await alice.http.request(ReadsPrunedCreateDoc, { name: 'pruned' });
    const roomId = createRoom.id;
    for (const member of [behind, middle, ahead]) {
      await member.http.request(ReadsPrunedJoinDoc, { roomId });
    }
    const sent = [];
    for (let i = 1; i <= 5; i += 1) {
      const { sendRoomMessage } = await alice.http.request(ReadsPrunedSendDoc, {
        roomId,
        content: `message ${i}`,
      });
      sent.push(sendRoomMessage);
    }
    const [, second, third, fourth] = sent;
    if (!second || !third || !fourth) throw new Error('sends missing');
    await middle.http.request(ReadsPrunedMarkDoc, { roomId, upTo: second.cursor });
    await ahead.http.request(ReadsPrunedMarkDoc, { roomId, upTo: fourth.cursor });

    const state = async (user: TestUser) =>
      (await user.http.request(ReadsPrunedStateDoc, { id: roomId })).room;
    expect((await state(behind))?.unreadCount).toBe(5);
    expect((await state(middle))?.unreadCount).toBe(3);

    // The first three messages (and every "joined") go at the restart's pruning.
    await backdate(server, third.id, 8);
    await server.restart();
    expect(await state(behind)).toEqual({ unreadCount: 2, lastMessage: { content: 'message 5' } });
    expect((await state(middle))?.unreadCount).toBe(2);
    expect((await state(ahead))?.unreadCount).toBe(1);
    await expectCode(
      behind.http.request(ReadsPrunedMarkDoc, { roomId, upTo: second.cursor }),
      'CURSOR_EXPIRED',
    );
  });
});
