import pg from 'pg';

/** Before the postgres project: its database answers, or the run stops with why. */
export default async function checkPostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`PostgreSQL at DATABASE_URL does not answer: ${String(error)}`);
  } finally {
    await client.end().catch(() => {});
  }
}
