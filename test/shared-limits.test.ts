import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientError } from 'graphql-request';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, redisPrefix, redisUrl } from './helpers/backends.js';
import {
  ChatCreateRoomDoc,
  ChatJoinRoomDoc,
  ChatRoomHistoryDoc,
  ChatSendRoomDoc,
} from './helpers/chat.js';
import { expectCode, http, signUp } from './helpers/clients.js';
import { startServerOn, type TestServer } from './helpers/server.js';
import { createTestStorage, type TestStorage } from './helpers/storage.js';

// Two in-process instances on one database and one Redis prefix: a user's send budget is
// one bucket in Redis, whichever instance takes the send.
describeWithRedis('send rate limit across instances (Redis)', () => {
  let dir: string;
  let storage: TestStorage;
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-limits-'));
    storage = await createTestStorage(dir);
    const env = {
      REDIS_URL: redisUrl ?? '',
      REDIS_PREFIX: redisPrefix(),
      SEND_BURST: '3',
      SEND_RATE_PER_SECOND: '1',
    };
    one = await startServerOn(storage, env);
    two = await startServerOn(storage, env);
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
    await storage?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spends one bucket per user across instances, and stores nothing refused', async () => {
    const alice = await signUp(one);
    const bob = await signUp(two);
    const { createRoom } = await alice.http.request(ChatCreateRoomDoc, { name: 'limited' });
    const roomId = createRoom.id;
    const sendVia = (server: TestServer, token: string, content: string) =>
      http(server, token).request(ChatSendRoomDoc, { roomId, content });
    await Promise.all([
      sendVia(one, alice.token, 'one'),
      sendVia(two, alice.token, 'two'),
      sendVia(one, alice.token, 'three'),
    ]);
    const error = await expectCode(sendVia(two, alice.token, 'four'), 'RATE_LIMITED');
    const retryAfterMs = (error as ClientError).response.errors?.[0]?.extensions?.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(1000);

    // Another user has a bucket of their own.
    await http(two, bob.token).request(ChatJoinRoomDoc, { roomId });
    await sendVia(two, bob.token, 'mine');
    const { roomHistory } = await alice.http.request(ChatRoomHistoryDoc, { roomId });
    expect(roomHistory.edges.map((e) => e.node.content).sort()).toEqual(
      [`${alice.name} joined`, `${bob.name} joined`, 'mine', 'one', 'three', 'two'].sort(),
    );
  });
});
