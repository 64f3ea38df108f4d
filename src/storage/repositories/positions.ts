import type { Db } from '../db.js';

export async function readPosition(
  db: Db,
  userId: number,
  streamId: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('delivery_positions')
    .select('seq')
    .where('user_id', '=', userId)
    .where('stream_id', '=', streamId)
    .executeTakeFirst();
  return row?.seq;
}

/** Sets a position outright (a join starts it just before the joined message). */
export async function setPosition(
  db: Db,
  userId: number,
  streamId: string,
  seq: number,
): Promise<void> {
  await db
    .insertInto('delivery_positions')
    .values({ user_id: userId, stream_id: streamId, seq })
    .onConflict((c) => c.columns(['user_id', 'stream_id']).doUpdateSet({ seq }))
    .execute();
}

/** Moves positions forward only, many in one statement batch. */
export async function advancePositions(
  db: Db,
  positions: ReadonlyArray<{ userId: number; streamId: string; seq: number }>,
): Promise<void> {
  if (positions.length === 0) return;
  // In one order everywhere: two instances flushing the same rows then never deadlock.
  const ordered = [...positions].sort(
    (a, b) =>
      a.userId - b.userId || (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0),
  );
  await db
    .insertInto('delivery_positions')
    .values(ordered.map((p) => ({ user_id: p.userId, stream_id: p.streamId, seq: p.seq })))
    // A conditional update rather than max(a, b), which PostgreSQL spells greatest(a, b).
    .onConflict((c) =>
      c
        .columns(['user_id', 'stream_id'])
        .doUpdateSet((eb) => ({ seq: eb.ref('excluded.seq') }))
        .whereRef('delivery_positions.seq', '<', 'excluded.seq'),
    )
    .execute();
}
