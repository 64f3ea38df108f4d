import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/storage/database.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { countUnreadAfter, lastTextEntry } from '../src/storage/repositories/read-state.js';

// Unread counts must cost index seeks whatever a stream's length (bench/unread-count.ts
// measures it). Without table statistics SQLite's plans do not depend on the data, so an
// empty database shows the plan a million-message room gets: a per-sender or per-peer seek
// that walks the primary key instead of its index is a scan of the stream.
describe('unread count query plans', () => {
  let dir: string;
  let sqlite: SQLite.Database;
  let db: Kysely<Database>;
  const statements: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-plans-'));
    sqlite = new SQLite(join(dir, 'plans.sqlite'), {
      verbose: (statement) => statements.push(String(statement)),
    });
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The query plan of the one statement `run` sends, its parameters all bound to 1. */
  async function planOf(run: () => Promise<unknown>): Promise<string[]> {
    statements.length = 0;
    await run();
    const [statement] = statements.filter((s) => s.includes('text_entries'));
    if (!statement || statements.length !== 1) throw new Error(`sent ${statements.length}`);
    const parameters = Array.from(statement.matchAll(/\?/g), () => 1);
    const plan = sqlite.prepare(`EXPLAIN QUERY PLAN ${statement}`).all(...parameters);
    return plan.map((row) => (row as { detail: string }).detail);
  }

  it('seeks the sender index for the viewer’s own messages in a room', async () => {
    const plan = await planOf(() => countUnreadAfter(db, 'room:1', 5, { except: 2 }));
    expect(plan.filter((line) => line.includes('INDEX text_entries_sender'))).toHaveLength(3);
    expect(plan.filter((line) => /SCAN text_entries/.test(line))).toEqual([]);
  });

  it('seeks the sender index for one peer’s messages in an inbox', async () => {
    const plan = await planOf(() => countUnreadAfter(db, 'user:1', 5, { only: 2 }));
    expect(plan.filter((line) => line.includes('INDEX text_entries_sender'))).toHaveLength(3);
    expect(plan.filter((line) => /SCAN text_entries/.test(line))).toEqual([]);
  });

  it('seeks the peer index for a conversation’s last message', async () => {
    const plan = await planOf(() => lastTextEntry(db, 'user:1', 2));
    expect(plan).toEqual([expect.stringContaining('INDEX text_entries_peer')]);
  });
});
