import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KyselyPlugin, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openSqlite } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { prepared } from '../src/storage/prepared.js';
import { createStream, nextSeq } from '../src/storage/repositories/streams.js';

// Prepared queries on a real SQLite file: built once, run with each call's arguments.

const dir = mkdtempSync(join(tmpdir(), 'switchboard-prepared-'));
const db = openSqlite(join(dir, 'prepared.sqlite'));

beforeAll(async () => {
  await migrateToLatest(db);
  for (const id of ['room:1', 'room:2', 'room:3']) await createStream(db, id);
  await nextSeq(db, 'room:2');
});

afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const streamsAbove = prepared((handle: Db, a: { prefix: string; above: number }) =>
  handle
    .selectFrom('streams')
    .select(['id', 'last_seq'])
    .where('id', 'like', a.prefix)
    .where('last_seq', '>=', a.above)
    // A constant of the query, kept as it is.
    .where('id', '!=', 'room:3')
    .orderBy('id'),
);

describe('prepared', () => {
  it("puts each call's arguments in, and keeps the query's own values", async () => {
    expect((await streamsAbove(db, { prefix: 'room:%', above: 0 })).rows).toEqual([
      { id: 'room:1', last_seq: 0 },
      { id: 'room:2', last_seq: 1 },
    ]);
    expect((await streamsAbove(db, { prefix: 'room:%', above: 1 })).rows).toEqual([
      { id: 'room:2', last_seq: 1 },
    ]);
  });

  it('runs in the caller’s transaction', async () => {
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('streams').set({ last_seq: 7 }).where('id', '=', 'room:1').execute();
      expect((await streamsAbove(trx, { prefix: 'room:1', above: 7 })).rows).toHaveLength(1);
    });
  });

  it('builds the query per call when a plugin rewrites it', async () => {
    let rewrites = 0;
    const rewriting: KyselyPlugin = {
      transformQuery: ({ node }) => {
        rewrites += 1;
        return { ...node };
      },
      transformResult: async ({ result }) => result,
    };
    const rows = (await streamsAbove(db.withPlugin(rewriting), { prefix: 'room:2', above: 0 }))
      .rows;
    expect(rows).toEqual([{ id: 'room:2', last_seq: 1 }]);
    // Once to see that it rewrites, once for the query built per call.
    expect(rewrites).toBe(2);
  });

  it('refuses an argument that is not a value of the query', () => {
    const byColumn = prepared((handle: Db, a: { column: string }) =>
      handle.selectFrom('streams').select(sql.ref(a.column).as('value')),
    );
    expect(() => byColumn(db, { column: 'id' })).toThrow('column is not a parameter');
  });
});
