import type { UserRow } from '../storage/database.js';
import type { Db } from '../storage/db.js';
import { isUniqueViolation } from '../storage/errors.js';
import { setPosition } from '../storage/repositories/positions.js';
import { insertPresence } from '../storage/repositories/presence.js';
import { createStream, streamHead } from '../storage/repositories/streams.js';
import { findUserById, findUserByName, insertUser } from '../storage/repositories/users.js';
import { DomainError, unauthenticated } from './errors.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.js';
import { BROADCAST_STREAM, inboxStream } from './streams.js';
import type { TokenService } from './tokens.js';
import { validPassword, validUserName } from './validation.js';
import { now, type Viewer } from './viewer.js';

export interface AuthResult {
  token: string;
  user: UserRow;
}

export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
    private readonly adminUsers: ReadonlySet<string>,
  ) {}

  async signUp(name: string, password: string): Promise<AuthResult> {
    validUserName(name);
    validPassword(password);
    if (await findUserByName(this.db, name)) throw nameTaken();
    const passwordHash = await hashPassword(password);
    let user: UserRow;
    try {
      user = await this.db.transaction().execute(async (trx) => {
        const created = await insertUser(trx, { name, passwordHash, createdAt: now() });
        await insertPresence(trx, created.id);
        const inbox = inboxStream(created.id);
        await createStream(trx, inbox);
        // Inbox and broadcast positions start at sign-up: nothing before it is "missed".
        await setPosition(trx, created.id, inbox, 0);
        await setPosition(
          trx,
          created.id,
          BROADCAST_STREAM,
          (await streamHead(trx, BROADCAST_STREAM)) ?? 0,
        );
        return created;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken();
      throw error;
    }
    return { token: await this.tokens.issue(user.id), user };
  }

  async signIn(name: string, password: string): Promise<AuthResult> {
    const user = await findUserByName(this.db, name);
    // Hash even for unknown names, so timing does not reveal which names exist.
    const valid = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
    if (!user || !valid) throw unauthenticated('wrong name or password');
    return { token: await this.tokens.issue(user.id), user };
  }

  /** The viewer a token stands for, or undefined when it is invalid, expired or its user is gone. */
  async authenticate(token: string | undefined): Promise<Viewer | undefined> {
    if (!token) return undefined;
    const claims = await this.tokens.verify(token);
    if (!claims) return undefined;
    const user = await findUserById(this.db, claims.userId);
    if (!user) return undefined;
    return {
      id: user.id,
      name: user.name,
      isAdmin: this.adminUsers.has(user.name.toLowerCase()),
      expiresAt: claims.expiresAt,
    };
  }
}

const nameTaken = (): DomainError => new DomainError('CONFLICT', 'that name is taken');
