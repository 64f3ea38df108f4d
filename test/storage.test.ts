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
