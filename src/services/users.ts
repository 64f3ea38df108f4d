import type { UserRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import { findUserById } from '../storage/repositories/users.js';
import { BoundedMap } from '../util/bounded-map.js';
import { parseId } from './validation.js';

const CACHE_LIMIT = 10_000;

/** Looks users up by id; names never change, so rows are cached (bounded, oldest out). */
export class UserDirectory {
  readonly #cache = new BoundedMap<number, UserRow>(CACHE_LIMIT);

  constructor(private readonly db: Db) {}

  async byId(id: number): Promise<UserRow | undefined> {
    const cached = this.#cache.get(id);
    if (cached) return cached;
    const row = await findUserById(this.db, id);
    if (row) this.#cache.set(id, row);
    return row;
  }

  async byExternalId(id: string): Promise<UserRow | undefined> {
    const parsed = parseId(id);
    return parsed === undefined ? undefined : this.byId(parsed);
  }
}
