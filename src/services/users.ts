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

  /**
   * A cached row comes back as it is, not in a promise: a subscription event whose
   * resolvers are all synchronous is executed and serialized within the publish.
   */
  byId(id: number): UserRow | Promise<UserRow | undefined> {
    return this.#cache.get(id) ?? this.#load(id);
  }

  async #load(id: number): Promise<UserRow | undefined> {
    const row = await findUserById(this.db, id);
    if (row) this.#cache.set(id, row);
    return row;
  }

  async byExternalId(id: string): Promise<UserRow | undefined> {
    const parsed = parseId(id);
    return parsed === undefined ? undefined : await this.byId(parsed);
  }
}
