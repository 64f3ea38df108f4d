import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { findUserByName } from '../storage/repositories/users.js';
import { openLocalServices } from './local-services.js';

const USAGE = `usage: npm run token -- <name> [--create]

Prints a token (JWT) for the user <name>, signed like the server signs them (JWT_SECRET,
or the development secret beside SQLITE_PATH), valid for TOKEN_TTL seconds.
  --create   sign the user up first when there is none (with a random password)`;

/** Mints a token for a user name, for scripts and tests: `TOKEN=$(npm run -s token -- alice)`. */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { create: { type: 'boolean', default: false }, help: { type: 'boolean' } },
    allowPositionals: true,
  });
  const name = positionals[0];
  if (values.help || name === undefined || positionals.length > 1) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const local = await openLocalServices(loadConfig());
  try {
    const user = await findUserByName(local.db, name);
    if (user) {
      console.log(await local.tokens.issue(user.id));
      return 0;
    }
    if (!values.create) {
      console.error(`no user named "${name}" (sign up first, or pass --create)`);
      return 1;
    }
    const { token } = await local.auth.signUp(name, randomBytes(18).toString('base64url'));
    console.log(token);
    return 0;
  } finally {
    await local.close();
  }
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError || error instanceof Error ? error.message : String(error),
  );
  return 1;
});
