import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { ChatDirectHistoryDoc, roomHistory } from './helpers/chat.js';
import { errorCode, http, signUp, type TestUser } from './helpers/clients.js';
import { startServerOn, type TestServer } from './helpers/server.js';
import { createTestStorage, type TestStorage, testDialect } from './helpers/storage.js';

const WritersCreateRoomDoc = graphql(`
  mutation WritersCreateRoom($name: String!, $maxMembers: Int) {
    createRoom(name: $name, maxMembers: $maxMembers) {
      id
    }
  }
`);

const WritersJoinDoc = graphql(`
  mutation WritersJoin($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      memberCount
    }
  }
`);

const WritersRoomDoc = graphql(`
  query WritersRoom($roomId: ID!) {
    room(id: $roomId) {
      memberCount
    }
  }
`);

const WritersSendDoc = graphql(`
  mutation WritersSend($roomId: ID!, $content: String!, $clientId: String) {
    sendRoomMessage(roomId: $roomId, content: $content, clientId: $clientId) {
      id
      seq
    }
  }
`);

const WritersDirectDoc = graphql(`
  mutation WritersDirect($toUserId: ID!, $content: String!) {
    sendDirectMessage(toUserId: $toUserId, content: $content) {
      seq
    }
  }
`);

const WritersDeleteDoc = graphql(`
  mutation WritersDelete($messageId: ID!) {
    deleteMessage(messageId: $messageId) {
      id
      seq
    }
  }
`);

/**
 * Writers racing on one stream, room or message. On PostgreSQL through two instances on
 * one database (the row locks of nextSeq, lockRoom and lockMessage); on SQLite through one
 * (its single writer connection): the outcome must read the same.
 */
describe(`concurrent writers (${testDialect})`, () => {
  let dir: string;
  let storage: TestStorage;
  let servers: TestServer[];
  let first: TestServer;
  /** The same user through each instance, in turn. */
  let through: (user: TestUser, i: number) => TestUser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-writers-'));
    storage = await createTestStorage(dir);
    // Started together: the second instance's migrations race the first's.
    servers =
      testDialect === 'postgres'
        ? await Promise.all([startServerOn(storage), startServerOn(storage)])
        : [await startServerOn(storage)];
    first = servers[0] as TestServer;
    through = (user, i) => {
      const server = servers[i % servers.length] as TestServer;
      return { ...user, http: http(server, user.token) };
    };
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await storage.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function roomWith(owner: TestUser, members: TestUser[], maxMembers?: number) {
    const { createRoom } = await owner.http.request(WritersCreateRoomDoc, {
      name: 'race',
      maxMembers,
    });
    for (const member of members)
      await member.http.request(WritersJoinDoc, { roomId: createRoom.id });
    return createRoom.id;
  }

  it('gives concurrent sends to one room consecutive seqs, history in that order', async () => {
    const [alice, bob] = await Promise.all([signUp(first), signUp(first)]);
    const roomId = await roomWith(alice, [bob]);
    const sends = Array.from({ length: 40 }, (_, i) =>
      through(i % 2 ? bob : alice, i).http.request(WritersSendDoc, { roomId, content: `m${i}` }),
    );
    const seqs = (await Promise.all(sends)).map((answer) => answer.sendRoomMessage.seq);
    // Two "joined" entries first.
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 3));
    const history = await roomHistory(through(bob, 1).http, roomId);
    expect(history.map((node) => node.seq)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
  });

  it('delivers direct messages sent both ways at once (no deadlock), consecutive in each inbox', async () => {
    const [alice, bob] = await Promise.all([signUp(first), signUp(first)]);
    const sends = Array.from({ length: 30 }, (_, i) => {
      const [from, to] = i % 2 ? [bob, alice] : [alice, bob];
      return through(from, i).http.request(WritersDirectDoc, {
        toUserId: to.id,
        content: `d${i}`,
      });
    });
    await Promise.all(sends);
    for (const [owner, peer] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const { directHistory } = await owner.http.request(ChatDirectHistoryDoc, {
        withUserId: peer.id,
      });
      const seqs = directHistory.edges.map((edge) => edge.node.seq);
      expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    }
  });

  it('stores a clientId sent at once through every instance once', async () => {
    const alice = await signUp(first);
    const roomId = await roomWith(alice, []);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        through(alice, i).http.request(WritersSendDoc, {
          roomId,
          content: 'once',
          clientId: 'same-key',
        }),
      ),
    );
    expect(new Set(answers.map((answer) => answer.sendRoomMessage.id)).size).toBe(1);
    const history = await roomHistory(alice.http, roomId);
    expect(history.filter((node) => node.kind === 'TEXT')).toHaveLength(1);
  });

  it('admits no more members than maxMembers to concurrent joins', async () => {
    const owner = await signUp(first);
    const joiners = await Promise.all(Array.from({ length: 6 }, () => signUp(first)));
    const roomId = await roomWith(owner, [], 3);
    const outcomes = await Promise.all(
      joiners.map((user, i) =>
        through(user, i)
          .http.request(WritersJoinDoc, { roomId })
          .then(
            () => 'joined',
            (error: unknown) => errorCode(error),
          ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'joined')).toHaveLength(2);
    expect(outcomes.filter((outcome) => outcome === 'ROOM_FULL')).toHaveLength(4);
    const { room } = await owner.http.request(WritersRoomDoc, { roomId });
    expect(room?.memberCount).toBe(3);
  });

  it('writes one DELETE for a message deleted at once through every instance', async () => {
    const alice = await signUp(first);
    const roomId = await roomWith(alice, []);
    const { sendRoomMessage } = await alice.http.request(WritersSendDoc, {
      roomId,
      content: 'going',
    });
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        through(alice, i).http.request(WritersDeleteDoc, { messageId: sendRoomMessage.id }),
      ),
    );
    expect(new Set(answers.map((answer) => answer.deleteMessage.seq)).size).toBe(1);
    const history = await roomHistory(alice.http, roomId);
    expect(history.filter((node) => node.kind === 'DELETE')).toHaveLength(1);
  });
});
