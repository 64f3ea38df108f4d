/**
 * How long Room.unreadCount takes in a room of MESSAGES messages (default a million), for a
 * member who has read nothing (every message unread) and one who has read almost all, next
 * to a plain count over the same range. `npx tsx bench/unread-count.ts [messages]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openSqlite } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { countRoomUnread, startRoomReadPosition } from '../src/storage/repositories/read-state.js';

const messages = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'switchboard-unread-'));
const db = openSqlite(join(dir, 'bench.sqlite'), 'NORMAL');

try {
  await migrateToLatest(db);
  const at = new Date().toISOString();
  for (const name of ['writer', 'behind', 'ahead']) {
    await db
      .insertInto('users')
      .values({ name, name_key: name, password_hash: '-', created_at: at })
      .execute();
  }
  await sql`INSERT INTO rooms (id, name, is_private, max_members, member_count, created_at)
    VALUES (1, 'big', 0, 100, 3, ${at})`.execute(db);
  await sql`INSERT INTO memberships (room_id, user_id, role, joined_at)
    VALUES (1, 1, 'OWNER', ${at}), (1, 2, 'MEMBER', ${at}), (1, 3, 'MEMBER', ${at})`.execute(db);
  await sql`INSERT INTO streams (id, last_seq) VALUES ('room:1', ${messages})`.execute(db);

  let started = performance.now();
  // The triggers keep text_entries as they would for sends, one row at a time.
  await db.transaction().execute(async (trx) => {
    await sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${messages})
      INSERT INTO messages (id, channel, kind, room_id, sender_id, content, created_at)
      SELECT i, 'ROOM', 'TEXT', 1, 1 + (i % 50 = 0), 'message ' || i, ${at} FROM n`.execute(trx);
    await sql`INSERT INTO stream_entries (stream_id, seq, message_id, created_at)
      SELECT 'room:1', id, id, ${at} FROM messages ORDER BY id`.execute(trx);
    // One in a thousand deleted.
    await sql`UPDATE messages SET deleted_at = ${at} WHERE id % 1000 = 0`.execute(trx);
  });
  console.log(
    `loaded ${messages} messages in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  await startRoomReadPosition(db, 1, 2, 0, at);
  await startRoomReadPosition(db, 1, 3, messages - 100, at);

  const time = async (label: string, run: () => Promise<number>, rounds = 200) => {
    await run();
    started = performance.now();
    let result = 0;
    for (let i = 0; i < rounds; i += 1) result = await run();
    const ms = (performance.now() - started) / rounds;
    console.log(`${label}: ${result} in ${ms.toFixed(3)} ms`);
  };
  await time('unreadCount, nothing read', () => countRoomUnread(db, 1, 'room:1', 2));
  await time('unreadCount, 100 from the end', () => countRoomUnread(db, 1, 'room:1', 3));
  await time(
    'a scan counting the same, nothing read',
    async () => {
      const row = await sql<{ n: number }>`SELECT count(*) AS n FROM stream_entries e
      JOIN messages m ON m.id = e.message_id
      WHERE e.stream_id = 'room:1' AND e.seq > 0 AND m.kind = 'TEXT'
        AND m.sender_id != 2 AND m.deleted_at IS NULL`.execute(db);
      return row.rows[0]?.n ?? 0;
    },
    5,
  );
} finally {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
}
