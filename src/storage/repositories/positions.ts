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
  await db
    .insertInto('delivery_positions')
    .values(positions.map((p) => ({ user_id: p.userId, stream_id: p.streamId, seq: p.seq })))
    .onConflict((c) =>
      c.columns(['user_id', 'stream_id']).doUpdateSet((eb) => ({
        seq: eb.fn<number>('max', [eb.ref('delivery_positions.seq'), eb.ref('excluded.seq')]),
      })),
    )
    .execute();
}
