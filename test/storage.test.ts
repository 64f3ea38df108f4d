import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../src/storage/db.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function pragma(db: ReturnType<typeof openSqlite>, name: string): Promise<unknown> {
  const { rows } = await sql<
    Record<string, unknown>
  >`select * from ${sql.raw(`pragma_${name}`)}`.execute(db);
  return Object.values(rows[0] ?? {})[0];
}

describe('the embedded SQLite file', () => {
  it.each([
    ['FULL', 2],
    ['NORMAL', 1],
  ] as const)(
    'runs WAL with synchronous=%s, foreign keys and a busy timeout',
    async (mode, level) => {
      const db = openSqlite(join(dir, `${mode}.sqlite`), mode);
      try {
        expect(await pragma(db, 'journal_mode')).toBe('wal');
        expect(await pragma(db, 'synchronous')).toBe(level);
        expect(await pragma(db, 'foreign_keys')).toBe(1);
        expect(await pragma(db, 'busy_timeout')).toBe(5000);
      } finally {
        await db.destroy();
      }
    },
  );
});

// Another instance on the same file: it holds the write lock for a moment, then commits.
const OTHER_WRITER = `
const db = new (require('better-sqlite3'))(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.exec('begin immediate');
db.exec("insert into notes (body) values ('from the other instance')");
process.stdout.write('holding\\n');
setTimeout(() => { db.exec('commit'); db.close(); }, 200);
`;

describe('transactions on a SQLite file another process writes to', () => {
  it('wait for its write lock and commit, even when they read before they write', async () => {
    const path = join(dir, 'shared.sqlite');
    const db = openSqlite(path);
    try {
      await sql`create table notes (id integer primary key, body text not null)`.execute(db);
      const other = spawn(process.execPath, ['-e', OTHER_WRITER, path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = once(other, 'exit');
      await once(other.stdout, 'data');
      // Read first, as a room's leave does (the room, then its membership): with a deferred
      // begin this upgrade to a writer failed at once with SQLITE_BUSY.
      const seen = await db.transaction().execute(async (trx) => {
        const { rows } = await sql`select id from notes`.execute(trx);
        await sql`insert into notes (body) values ('from this one')`.execute(trx);
        return rows.length;
      });
      expect(await exited).toEqual([0, null]);
      // It began after the other commit, so it saw that row.
      expect(seen).toBe(1);
      const { rows } = await sql<{ body: string }>`select body from notes order by id`.execute(db);
      expect(rows.map((row) => row.body)).toEqual(['from the other instance', 'from this one']);
    } finally {
      await db.destroy();
    }
  });
});
