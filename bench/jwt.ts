// The HS256 JWT the benchmark authenticates with; WSE checks signature, exp, iss, aud and sub.
import { SignJWT } from 'jose';

export interface TokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  subject: string;
  /** Default one hour, like the original clients. */
  lifetimeSec?: number;
}

export function mintToken({ secret, issuer, audience, subject, lifetimeSec = 3600 }: TokenOptions): Promise<string> {
  const nowSec = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(subject)
    .setIssuedAt(nowSec)
    .setExpirationTime(nowSec + lifetimeSec)
    .sign(new TextEncoder().encode(secret));
}
