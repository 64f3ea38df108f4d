import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { errorCode, expectCode, signUp, subscribe, wsClient } from './helpers/clients.js';
import { backdate } from './helpers/rows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const RetentionCreateRoomDoc = graphql(`
  mutation RetentionCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);

const RetentionSendDoc = graphql(`
  mutation RetentionSend($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      id
      seq
      cursor
    }
  }
`);

const RetentionHistoryDoc = graphql(`
  query RetentionHistory($roomId: ID!, $after: String) {
    roomHistory(roomId: $roomId, after: $after, first: 100) {
      edges {
        node {
          seq
          content
        }
      }
      pageInfo {
        hasPreviousPage
      }
    }
  }
`);

const RetentionLiveDoc = graphql(`
  subscription RetentionLive($roomId: ID!, $after: String) {
    roomMessages(roomId: $roomId, after: $after) {
      seq
      content
    }
  }
`);

describe('RETENTION_DAYS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RETENTION_DAYS: '7' });
  });
  afterAll(() => server.close());

  it('prunes older messages, keeps seq going, and expires cursors into what was pruned', async () => {
    const alice = await signUp(server);
    const { createRoom } = await alice.http.request(RetentionCreateRoomDoc, { name: 'old news' });
    const sent = [];
    for (let i = 1; i <= 5; i++) {
      const { sendRoomMessage } = await alice.http.request(RetentionSendDoc, {
        roomId: createRoom.id,
        content: `message ${i}`,
      });
      sent.push(sendRoomMessage);
    }
    // seq 1 is alice's "joined"; it and the first three texts are pruned.
    const [first, , third, fourth] = sent;
    if (!first || !third || !fourth) throw new Error('sends missing');
    await backdate(server, third.id, 8);
    await server.restart();

    const { roomHistory } = await alice.http.request(RetentionHistoryDoc, {
      roomId: createRoom.id,
    });
    expect(roomHistory.edges.map((edge) => edge.node.content)).toEqual(['message 4', 'message 5']);
    await expectCode(
      alice.http.request(RetentionHistoryDoc, { roomId: createRoom.id, after: first.cursor }),
      'CURSOR_EXPIRED',
    );

    const client = wsClient(server, alice.token);
    try {
      const expired = subscribe(client, RetentionLiveDoc, {
        roomId: createRoom.id,
        after: first.cursor,
      });
      const failure = await expired.ended.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(errorCode(failure)).toBe('CURSOR_EXPIRED');

      // Resuming right after the last pruned message loses nothing, so it still works.
      const resumed = subscribe(client, RetentionLiveDoc, {
        roomId: createRoom.id,
        after: third.cursor,
      });
      expect(await resumed.take(2)).toEqual([
        { roomMessages: { seq: fourth.seq, content: 'message 4' } },
        { roomMessages: { seq: fourth.seq + 1, content: 'message 5' } },
      ]);
      const { sendRoomMessage: next } = await alice.http.request(RetentionSendDoc, {
        roomId: createRoom.id,
        content: 'message 6',
      });
      expect(next.seq).toBe(fourth.seq + 2);
      expect(await resumed.take(1)).toEqual([
        { roomMessages: { seq: next.seq, content: 'message 6' } },
      ]);
    } finally {
      await client.dispose();
    }
  });
});
