import { errors, jwtVerify, SignJWT } from 'jose';
import { BoundedMap } from '../util/bounded-map.js';

export interface TokenClaims {
  userId: number;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** Tokens kept verified at most; past it the oldest is forgotten (verified again if it returns). */
const VERIFIED_LIMIT = 10_000;

export class TokenService {
  readonly #key: Uint8Array<ArrayBuffer>;
  /** jose imports a raw secret into WebCrypto on every call unless given the imported key. */
  #cryptoKey: Promise<CryptoKey> | undefined;
  /**
   * Tokens already verified, with their claims: every HTTP request carries its token, and
   * verifying it again (an HMAC on the thread pool) cost a tenth of a history page's time.
   * The same bytes under the same secret stay valid until they expire, which each hit checks.
   */
  readonly #verified = new BoundedMap<string, TokenClaims>(VERIFIED_LIMIT);

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.#key = new TextEncoder().encode(secret);
  }

  async issue(userId: number): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(userId))
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.#key);
  }

  /** Undefined for anything not a valid, unexpired token of ours. */
  async verify(token: string): Promise<TokenClaims | undefined> {
    const known = this.#verified.get(token);
    if (known) {
      // jose's own rule: expired once `exp` is not after the current second.
      if (known.expiresAt > Math.floor(Date.now() / 1000)) return known;
      this.#verified.delete(token);
      return undefined;
    }
    const claims = await this.#verifyAnew(token);
    if (claims) this.#verified.set(token, claims);
    return claims;
  }

  async #verifyAnew(token: string): Promise<TokenClaims | undefined> {
    this.#cryptoKey ??= crypto.subtle.importKey(
      'raw',
      this.#key,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    try {
      const { payload } = await jwtVerify(token, await this.#cryptoKey, { algorithms: ['HS256'] });
      const userId = Number(payload.sub);
      if (!Number.isSafeInteger(userId) || userId < 1 || typeof payload.exp !== 'number')
        return undefined;
      return { userId, expiresAt: payload.exp };
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  }
}

/** Reads `Bearer <token>`; undefined when absent or malformed. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
