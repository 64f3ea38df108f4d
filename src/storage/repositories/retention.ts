import type { Db } from '../db.js';

/**
 * Deletes up to `limit` messages created before `cutoff` (their stream entries go by
 * cascade) and returns how many went. Stream heads stay, so seq is never reused.
 */
export async function pruneMessagesBefore(db: Db, cutoff: string, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const ids = (
      await trx
        .selectFrom('messages')
        .select('id')
        .where('created_at', '<', cutoff)
        .orderBy('created_at')
        .limit(limit)
        .execute()
    ).map((row) => row.id);
    if (ids.length === 0) return 0;
    // Replies and reactions that outlive what they point at keep their own place in the stream.
    await trx
      .updateTable('messages')
      .set({ reply_to_id: null })
      .where('reply_to_id', 'in', ids)
      .execute();
    await trx
      .updateTable('messages')
      .set({ target_id: null })
      .where('target_id', 'in', ids)
      .execute();
    await trx.deleteFrom('messages').where('id', 'in', ids).execute();
    return ids.length;
  });
}
