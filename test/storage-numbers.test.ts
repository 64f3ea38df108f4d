import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoom, sendToRoom } from './helpers/chat.js';
import { signUp } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { testDialect } from './helpers/storage.js';

// pg hands out int8 (PostgreSQL's ids, seqs and count(*)) as strings unless told otherwise;
// the repositories add and compare them as numbers, as SQLite gives them.
describe(`numbers from storage (${testDialect})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('reads ids, seqs and counts as numbers', async () => {
    const alice = await signUp(server);
    const roomId = await createRoom(alice);
    await sendToRoom(alice, roomId, 'one');
    const db = server.openDb();
    try {
      const stream = await db
        .selectFrom('streams')
        .select('last_seq')
        .where('id', '=', `room:${roomId}`)
        .executeTakeFirstOrThrow();
      expect(stream.last_seq).toBe(2);
      const entry = await db
        .selectFrom('stream_entries')
        .select(['seq', 'message_id'])
        .where('stream_id', '=', `room:${roomId}`)
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      expect(typeof entry.message_id).toBe('number');
      expect(entry.seq + 1).toBe(3);
      const { n } = await db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(n).toBe(2);
    } finally {
      await db.destroy();
    }
  });
});
