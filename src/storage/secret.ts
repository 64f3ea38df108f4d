import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Outside production with no JWT_SECRET: a random secret, kept beside the data so tokens survive restarts. */
export function developmentSecret(sqlitePath: string): string {
  const dir = sqlitePath === ':memory:' ? '.' : dirname(sqlitePath);
  const file = join(dir, 'jwt-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}
