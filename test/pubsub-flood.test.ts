import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Events } from '../src/pubsub/events.js';
import { MemoryPubSub } from '../src/pubsub/memory.js';
import { readStream } from '../src/services/stream-reader.js';
import type { Db } from '../src/storage/db.js';
import { openSqlite } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import type { StreamEntry } from '../src/storage/repositories/streams.js';

// Yoga's createPubSub throws RepeaterOverflowError past 1024 events queued for a subscriber,
// from an EventTarget listener, which ends the process. Ours must take any burst.

const PUBLISHES = 5000;
const STREAM = 'room:1';

function entry(seq: number): StreamEntry {
  return {
    streamId: STREAM,
    seq,
    message: {
      id: seq,
      channel: 'ROOM',
      kind: 'TEXT',
      room_id: 1,
      sender_id: 1,
      recipient_id: null,
      content: `burst ${seq}`,
      client_id: null,
      created_at: new Date(0).toISOString(),
      target_id: null,
      reply_to_id: null,
      edited_at: null,
      deleted_at: null,
    },
  };
}

describe('pub/sub under a burst', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-flood-'));
  let db: Db;
  beforeAll(async () => {
    db = openSqlite(join(dir, 'switchboard.sqlite'));
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`takes ${PUBLISHES} synchronous publishes in one tick; every reader gets each, in order`, async () => {
    const pubsub = new MemoryPubSub<Events>();
    const deps = { db, pubsub, pageSize: 500, liveBufferBytes: 64 * 1024 * 1024 };
    const readers = Array.from({ length: 3 }, () =>
      readStream(deps, { streamId: STREAM, afterSeq: 0 }),
    );
    // Each reader has replayed its (empty) backlog and is waiting on live events.
    const firsts = readers.map((reader) => reader.next());
    await new Promise<void>((resolve) => setImmediate(resolve));

    for (let seq = 1; seq <= PUBLISHES; seq += 1)
      pubsub.publish('stream', STREAM, { type: 'entry', entry: entry(seq) });

    for (const [i, reader] of readers.entries()) {
      const seqs: number[] = [];
      const first = await firsts[i];
      if (first && !first.done) seqs.push(first.value.seq);
      while (seqs.length < PUBLISHES) {
        const next = await reader.next();
        if (next.done) break;
        seqs.push(next.value.seq);
      }
      expect(seqs).toEqual(Array.from({ length: PUBLISHES }, (_, k) => k + 1));
      await reader.return?.();
    }
    await pubsub.close();
  });

  it('a stalled reader drops its buffer, never the process, and the others are unaffected', async () => {
    const pubsub = new MemoryPubSub<Events>();
    // Room for about 100 events: the stalled reader overflows twenty times over.
    const deps = { db, pubsub, pageSize: 500, liveBufferBytes: 100 * 600 };
    const stalled = readStream(deps, { streamId: STREAM, afterSeq: 0 });
    const reader = readStream(deps, { streamId: STREAM, afterSeq: 0 });
    const stalledFirst = stalled.next();
    const readerFirst = reader.next();
    await new Promise<void>((resolve) => setImmediate(resolve));

    // The fast reader takes each event as it comes; the stalled one takes none.
    const seen: number[] = [];
    const reading = (async () => {
      const first = await readerFirst;
      if (!first.done) seen.push(first.value.seq);
      while (seen.length < 2000) {
        const next = await reader.next();
        if (next.done) return;
        seen.push(next.value.seq);
      }
    })();
    for (let seq = 1; seq <= 2000; seq += 1) {
      pubsub.publish('stream', STREAM, { type: 'entry', entry: entry(seq) });
      // Let the fast reader drain between publishes, as a socket would.
      if (seq % 100 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await reading;
    expect(seen).toEqual(Array.from({ length: 2000 }, (_, k) => k + 1));
    // The stalled reader got its first event; what overflowed is left to storage.
    expect((await stalledFirst).value?.seq).toBe(1);
    await stalled.return?.();
    await reader.return?.();
    await pubsub.close();
  });
});
