import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { graphql } from './gql/index.js';
import { connected, expectCode, http, signUp, subscribe, wsClient } from './helpers/clients.js';
import { startCrashable, startProcess } from './helpers/process.js';
import { createTestStorage, type TestStorage } from './helpers/storage.js';

// What a kill -9 leaves behind: presence, delivery positions, and the development secret.

const RecPresenceDoc = graphql(`
  query RecPresence($userIds: [ID!]!) {
    presence(userIds: $userIds) {
      status
      lastSeenAt
      connectionCount
    }
  }
`);

const RecMeDoc = graphql(`
  query RecMe {
    me {
      id
      name
    }
  }
`);

const RecCreateRoomDoc = graphql(`
  mutation RecCreateRoom($name: String!) {
    createRoom(name: $name) {
      id
    }
  }
`);

const RecSendDoc = graphql(`
  mutation RecSend($roomId: ID!, $content: String!) {
    sendRoomMessage(roomId: $roomId, content: $content) {
      seq
    }
  }
`);

const RecWatchDoc = graphql(`
  subscription RecWatch($roomId: ID!) {
    roomMessages(roomId: $roomId) {
      seq
      content
    }
  }
`);

const storages: Array<{ dir: string; storage: TestStorage }> = [];
/** Fresh storage (a SQLite file, or a PostgreSQL schema) in a temp dir of its own. */
async function dataDir(): Promise<{ dir: string; storage: TestStorage }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-recovery-'));
  const made = { dir, storage: await createTestStorage(dir) };
  storages.push(made);
  return made;
}
afterAll(async () => {
  for (const { dir, storage } of storages) {
    await storage.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * One instance alone, whatever the runner's REDIS_URL: with Redis, a killed instance's
 * users rightly stay ONLINE until PRESENCE_TTL (test/multi-instance.test.ts covers that).
 */
const EMBEDDED = { REDIS_URL: '' };

describe('after a crash (kill -9)', () => {
  it('marks everyone OFFLINE, with lastSeenAt their last stored activity', async () => {
    const { storage } = await dataDir();
    const server = await startCrashable(storage, EMBEDDED);
    try {
      const alice = await signUp(server);
      const client = wsClient(server, alice.token, { lazy: false });
      await connected(client);
      // The acknowledgement may come before presence has stored the connection.
      const online = await vi.waitFor(
        async () => {
          const [seen] = (await alice.http.request(RecPresenceDoc, { userIds: [alice.id] }))
            .presence;
          expect(seen).toMatchObject({ status: 'ONLINE', connectionCount: 1 });
          return seen;
        },
        { timeout: 10_000, interval: 20 },
      );
      const seenOnline = Date.parse(online?.lastSeenAt ?? '');

      const killedAt = Date.now();
      await server.crashAndRestart();
      const after = (await alice.http.request(RecPresenceDoc, { userIds: [alice.id] })).presence[0];
      expect(after).toMatchObject({ status: 'OFFLINE', connectionCount: 0 });
      const lastSeen = Date.parse(after?.lastSeenAt ?? '');
      expect(lastSeen).toBeGreaterThanOrEqual(seenOnline);
      expect(lastSeen).toBeLessThanOrEqual(killedAt);
      await client.dispose();
    } finally {
      await server.close();
    }
  });

  it('resumes from the position flushed at disconnect; positions are not written per message', async () => {
    const { storage } = await dataDir();
    // The timer never fires within the test: only the disconnect can write the position.
    const env = { ...EMBEDDED, DELIVERY_FLUSH_MS: '3600000' };
    const server = await startCrashable(storage, env);
    try {
      const alice = await signUp(server);
      const { createRoom } = await alice.http.request(RecCreateRoomDoc, { name: 'positions' });
      const roomId = createRoom.id;
      for (const content of ['one', 'two', 'three', 'four', 'five'])
        await alice.http.request(RecSendDoc, { roomId, content });

      const stored = async () => {
        const db = storage.open();
        try {
          const row = await db
            .selectFrom('delivery_positions')
            .select('seq')
            .where('user_id', '=', Number(alice.id))
            .where('stream_id', '=', `room:${roomId}`)
            .executeTakeFirst();
          return row?.seq;
        } finally {
          await db.destroy();
        }
      };
      const atJoin = await stored();

      const client = wsClient(server, alice.token, { lazy: false });
      await connected(client);
      const watch = subscribe(client, RecWatchDoc, { roomId });
      const got = await watch.take(6);
      expect(got.map((m) => m.roomMessages.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      // Six deliveries, no write yet.
      expect(await stored()).toBe(atJoin);

      await client.dispose();
      await vi.waitFor(async () => expect(await stored()).toBe(6), {
        timeout: 10_000,
        interval: 20,
      });

      await server.crashAndRestart();
      await alice.http.request(RecSendDoc, { roomId, content: 'after the crash' });
      const again = wsClient(server, alice.token, { lazy: false });
      await connected(again);
      const resumed = subscribe(again, RecWatchDoc, { roomId });
      // Nothing delivered before the disconnect comes again.
      expect((await resumed.take(1))[0]?.roomMessages).toEqual({
        seq: 7,
        content: 'after the crash',
      });
      resumed.dispose();
      await again.dispose();
    } finally {
      await server.close();
    }
  });

  it('keeps the development secret beside the data: tokens survive, other data dirs refuse them', async () => {
    const { dir, storage } = await dataDir();
    // No JWT_SECRET (an empty value is none): the server makes one and keeps it.
    const env = { ...EMBEDDED, JWT_SECRET: '' };
    const server = await startCrashable(storage, env);
    const other = await startProcess((await dataDir()).storage, env);
    try {
      const alice = await signUp(server);
      expect((await alice.http.request(RecMeDoc)).me.name).toBe(alice.name);
      expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);

      await server.crashAndRestart();
      expect((await alice.http.request(RecMeDoc)).me.name).toBe(alice.name);

      const stranger = await signUp(other, alice.name);
      expect(stranger.token).not.toBe(alice.token);
      await expectCode(http(other, alice.token).request(RecMeDoc), 'UNAUTHENTICATED');
    } finally {
      await server.close();
      await other.close();
    }
  });
});
