import { loadConfig } from '../config.js';
import { openDatabase } from '../storage/db.js';
import { migrateToLatest } from '../storage/migrate.js';

const config = loadConfig();
const db = openDatabase(config);
try {
  const { results } = await migrateToLatest(db);
  for (const result of results ?? []) console.log(`${result.status}: ${result.migrationName}`);
  if (!results?.length) console.log('already up to date');
} finally {
  await db.destroy();
}
