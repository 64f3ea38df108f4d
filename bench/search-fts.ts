// Full-text search cost on the embedded default: seeds a SQLite file with N room messages
// (through the same triggers as the server), then times searchMessages.
// Run: npx tsx bench/search-fts.ts [messages=100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openSqlite } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { searchMessages } from '../src/storage/repositories/search.js';

const total = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const db = openSqlite(join(dir, 'bench.sqlite'), 'NORMAL');
const VOCABULARY = 'lunch meeting deploy review coffee running release budget design weekend'.split(
  ' ',
);

async function seed(): Promise<number> {
  await migrateToLatest(db);
  await sql`INSERT INTO users (name, name_key, password_hash, created_at) VALUES ('bench', 'bench', 'x', '2026-01-01T00:00:00.000Z')`.execute(
    db,
  );
  await sql`INSERT INTO rooms (name, is_private, max_members, member_count, created_at, created_by) VALUES ('bench', 0, 100, 0, '2026-01-01T00:00:00.000Z', 1)`.execute(
    db,
  );
  const started = performance.now();
  for (let from = 0; from < total; from += 1000) {
    await db.transaction().execute(async (trx) => {
      for (let i = from; i < Math.min(total, from + 1000); i += 1) {
        const words = Array.from({ length: 12 }, (_, j) => VOCABULARY[(i * 7 + j * 3) % 10]);
        const { id } = await trx
          .insertInto('messages')
          .values({
            channel: 'ROOM',
            kind: 'TEXT',
            room_id: 1,
            sender_id: 1,
            content: `${words.join(' ')} ticket${i}`,
            created_at: new Date().toISOString(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('stream_entries')
          .values({ stream_id: 'room:1', seq: i + 1, message_id: id, created_at: '' })
          .execute();
      }
    });
  }
  return performance.now() - started;
}

async function timed(words: string[], runs: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < runs; i += 1) await searchMessages(db, { viewerId: 1, words, limit: 51 });
  return (performance.now() - started) / runs;
}

const seedMs = await seed();
console.log(`seeded ${total} messages in ${(seedMs / 1000).toFixed(1)} s`);
for (const [label, words] of [
  ['common word (matches ~all)', ['running']],
  ['two common words', ['deploy', 'coffee']],
  ['rare word (1 match)', [`ticket${Math.floor(total / 2)}`]],
  ['no match', ['nonexistent']],
] as const) {
  console.log(`${label}: ${(await timed([...words], 200)).toFixed(3)} ms per page of 50`);
}
await db.destroy();
rmSync(dir, { recursive: true, force: true });
