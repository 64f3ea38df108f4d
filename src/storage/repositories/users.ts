import type { UserRow } from '../database.js';
import type { Db } from '../db.js';
import { prepared } from '../prepared.js';

export async function insertUser(
  db: Db,
  user: { name: string; passwordHash: string; createdAt: string },
): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({
      name: user.name,
      name_key: user.name.toLowerCase(),
      password_hash: user.passwordHash,
      created_at: user.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findUserByName(db: Db, name: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('name_key', '=', name.toLowerCase())
    .executeTakeFirst();
}

const userQuery = prepared((db: Db, a: { id: number }) =>
  db.selectFrom('users').selectAll().where('id', '=', a.id),
);

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return (await userQuery(db, { id })).rows[0];
}

export async function findUsersByIds(db: Db, ids: readonly number[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
}
