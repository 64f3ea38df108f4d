import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.js';
import { connected, http, nextClose, signUp, subscribe, wsClient } from './helpers/clients.js';
import { startProcess } from './helpers/process.js';
import { createTestStorage, type TestStorage } from './helpers/storage.js';

const ShutdownCreateRoomDoc = graphql(`
  mutation ShutdownCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);

const ShutdownSendDoc = graphql(`
  mutation ShutdownSend($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      seq
    }
  }
`);

const ShutdownLiveDoc = graphql(`
  subscription ShutdownLive($roomId: ID!) {
    roomMessages(roomId: $roomId) {
      seq
      content
    }
  }
`);

const dir = mkdtempSync(join(tmpdir(), 'switchboard-shutdown-'));
let storage: TestStorage;
beforeAll(async () => {
  storage = await createTestStorage(dir);
});
afterAll(async () => {
  await storage.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('SIGTERM', () => {
  it('closes graphql-ws with 1001, flushes delivery positions, and exits 0', async () => {
    const first = await startProcess(storage);
    const alice = await signUp(first);
    const { createRoom } = await alice.http.request(ShutdownCreateRoomDoc, { name: 'bye' });
    const client = wsClient(first, alice.token, { lazy: false });
    await connected(client);
    const live = subscribe(client, ShutdownLiveDoc, { roomId: createRoom.id });
    await alice.http.request(ShutdownSendDoc, { roomId: createRoom.id, content: 'before' });
    // Her own "joined", then her message: both written to her connection.
    expect((await live.take(2)).map((data) => data.roomMessages.content)).toEqual([
      `${alice.name} joined`,
      'before',
    ]);

    const closeCode = nextClose(client);
    const exit = once(first.child, 'exit');
    first.child.kill('SIGTERM');
    expect(await closeCode).toBe(1001);
    expect(await exit).toEqual([0, null]);
    await client.dispose();

    // The position written on shutdown means nothing already delivered comes again.
    const second = await startProcess(storage);
    try {
      const again = wsClient(second, alice.token);
      const resumed = subscribe(again, ShutdownLiveDoc, { roomId: createRoom.id });
      await http(second, alice.token).request(ShutdownSendDoc, {
        roomId: createRoom.id,
        content: 'after',
      });
      expect(await resumed.take(1)).toEqual([{ roomMessages: { seq: 3, content: 'after' } }]);
      await again.dispose();
    } finally {
      await second.close();
    }
  });
});
