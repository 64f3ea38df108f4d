import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/services/group-commit.js';
import { openSqlite } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { createStream, nextSeq, streamHead } from '../src/storage/repositories/streams.js';

// The batching itself, on a real SQLite file: writes queued in one turn share a
// transaction, and one that fails is undone alone.

const dir = mkdtempSync(join(tmpdir(), 'switchboard-group-'));
const db = openSqlite(join(dir, 'group.sqlite'));

beforeAll(async () => {
  await migrateToLatest(db);
});

afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('GroupCommit', () => {
  it('undoes a failed write alone: the others of its batch commit, it leaves nothing', async () => {
    const commits = new GroupCommit(db);
    await createStream(db, 'room:900');
    const failure = new Error('a rule said no');
    // Queued in one turn: one batch.
    const first = commits.run((trx) => nextSeq(trx, 'room:900'));
    const failed = commits.run(async (trx) => {
      await nextSeq(trx, 'room:900');
      throw failure;
    });
    const third = commits.run((trx) => nextSeq(trx, 'room:900'));
    await expect(failed).rejects.toBe(failure);
    // The failed one took seq 2 and gave it back: the next write got 2.
    expect([await first, await third]).toEqual([1, 2]);
    expect(await streamHead(db, 'room:900')).toBe(2);
  });

  it('fails a lone write without touching later batches', async () => {
    const commits = new GroupCommit(db);
    await createStream(db, 'room:901');
    await expect(
      commits.run(async (trx) => {
        await nextSeq(trx, 'room:901');
        throw new Error('alone');
      }),
    ).rejects.toThrow('alone');
    expect(await commits.run((trx) => nextSeq(trx, 'room:901'))).toBe(1);
    expect(await streamHead(db, 'room:901')).toBe(1);
  });
});
