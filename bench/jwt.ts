// The HS256 JWT a client authenticates with (WSE checks signature, exp, iss, aud and sub), minted
// here for the benchmark's connections, the serve banner and the tests' clients alike.
import { SignJWT } from 'jose';

export interface TokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  /** The user id; left out, the token has no sub claim (WSE refuses it). */
  subject?: string;
  /** Default one hour, like the original clients; negative for a token already expired. */
  lifetimeSec?: number;
  /** HS256 is what WSE accepts; HS512 only to see it refused. */
  algorithm?: 'HS256' | 'HS512';
}

export function mintToken({ secret, issuer, audience, subject, lifetimeSec = 3600, algorithm = 'HS256' }: TokenOptions): Promise<string> {
  const nowSec = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({}).setProtectedHeader({ alg: algorithm, typ: 'JWT' }).setIssuer(issuer).setAudience(audience);
  if (subject !== undefined) jwt.setSubject(subject);
  return jwt.setIssuedAt(nowSec).setExpirationTime(nowSec + lifetimeSec).sign(new TextEncoder().encode(secret));
}
