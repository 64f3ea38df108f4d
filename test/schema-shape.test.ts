import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { type Db, openSqlite } from '../src/storage/db.js';
import { isPostgres } from '../src/storage/dialect.js';
import { currentSchema, migrateToLatest } from '../src/storage/migrate.js';
import { createTestStorage, testDialect } from './helpers/storage.js';

interface Shape {
  tables: Record<string, Array<{ name: string; nullable: boolean }>>;
  /** Columns that number themselves (AUTOINCREMENT, identity). */
  generated: string[];
  indexes: string[];
  triggers: string[];
}

/** Tables with their columns, named indexes and triggers, as migrations left them. */
async function shapeOf(db: Db): Promise<Shape> {
  const schema = await currentSchema(db);
  const tables: Shape['tables'] = {};
  const generated: string[] = [];
  for (const table of await db.introspection.getTables()) {
    if (table.schema !== schema) continue;
    // SQLite lets a lone non-INTEGER primary key column hold NULL, and calls an INTEGER
    // PRIMARY KEY (the rowid) auto-incrementing: read the declared key instead.
    const keyed = isPostgres(db)
      ? new Set<string>()
      : new Set(
          (
            await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table.name})
              WHERE pk > 0`.execute(db)
          ).rows.map((row) => row.name),
        );
    tables[table.name] = table.columns.map((column) => ({
      name: column.name,
      nullable: column.isNullable && !keyed.has(column.name),
    }));
    for (const column of table.columns)
      if (column.isAutoIncrementing && !(keyed.has(column.name) && column.name !== 'id'))
        generated.push(`${table.name}.${column.name}`);
  }
  const names = async (query: ReturnType<typeof sql<{ name: string }>>) =>
    (await query.execute(db)).rows.map((row) => row.name).sort();
  if (isPostgres(db)) {
    return {
      tables,
      generated,
      // Not those behind a primary key or unique constraint: SQLite names those itself.
      indexes: await names(sql`SELECT indexname AS name FROM pg_indexes
        WHERE schemaname = current_schema()
          AND indexname NOT IN (SELECT conname FROM pg_constraint)`),
      triggers: await names(sql`SELECT DISTINCT trigger_name AS name
        FROM information_schema.triggers WHERE trigger_schema = current_schema()`),
    };
  }
  return {
    tables,
    generated,
    indexes: await names(
      sql`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`,
    ),
    triggers: await names(sql`SELECT name FROM sqlite_master WHERE type = 'trigger'`),
  };
}

/** What differs on purpose: full-text search is FTS5 (a virtual table and its triggers) on SQLite, a GIN index on PostgreSQL. */
function withoutSearch(shape: Shape, dialect: 'sqlite' | 'postgres'): Shape {
  const isFts = (name: string) => name.startsWith('messages_fts');
  return {
    tables: Object.fromEntries(Object.entries(shape.tables).filter(([name]) => !isFts(name))),
    generated: shape.generated.filter((name) => !isFts(name)),
    indexes: shape.indexes.filter((name) => !(dialect === 'postgres' && name === 'messages_fts')),
    triggers: shape.triggers.filter((name) => !isFts(name)),
  };
}

// Both dialects at once, so only where PostgreSQL is there (the postgres project).
describe.runIf(testDialect === 'postgres')('migrations on SQLite and PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-shape-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leave the same tables, columns, indexes and triggers, but for full-text search', async () => {
    const postgres = await createTestStorage(dir);
    const pg = postgres.open();
    const sqlite = openSqlite(join(dir, 'shape.sqlite'));
    try {
      await migrateToLatest(pg);
      await migrateToLatest(sqlite);
      const [pgShape, sqliteShape] = await Promise.all([shapeOf(pg), shapeOf(sqlite)]);
      // The search index of each is there.
      expect(pgShape.indexes).toContain('messages_fts');
      expect(Object.keys(sqliteShape.tables)).toContain('messages_fts');
      expect(withoutSearch(pgShape, 'postgres')).toEqual(withoutSearch(sqliteShape, 'sqlite'));
      expect(Object.keys(pgShape.tables)).toHaveLength(12);
      expect(pgShape.triggers).toHaveLength(3);
      expect(pgShape.generated.sort()).toEqual(['messages.id', 'rooms.id', 'users.id']);
    } finally {
      await Promise.all([pg.destroy(), sqlite.destroy()]);
      await postgres.drop();
    }
  });
});
