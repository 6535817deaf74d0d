// TLS for the client role (wss://) over node:tls: the options a dial takes, SNI per RFC 6066
// (a host name, never an IP literal), and which failures count as TLS failures.
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls';

export interface ClientTlsOptions {
  /** PEM certificate(s) to trust instead of the system's CA store (--ca). */
  ca?: string | Buffer | (string | Buffer)[];
  /** false accepts any certificate, self-signed or for another name (--insecure). Default true. */
  rejectUnauthorized?: boolean;
  /** SNI and the name the certificate must carry; default the URL's host unless it is an IP literal. */
  servername?: string;
}

export interface TlsDialTarget {
  host: string;
  port: number;
  localAddress?: string;
}

/** The SNI name for `host`: RFC 6066 §3 forbids IP literals in server_name. */
export function sniServerName(host: string): string | undefined {
  return isIP(host) === 0 && host !== '' ? host : undefined;
}

// A `ca` given per connection makes node:tls parse it and build a trust store on every dial (ms of
// CPU each, which would show up as handshake time): one context per options object instead.
const contexts = new WeakMap<ClientTlsOptions, SecureContext>();

function secureContextFor(tls: ClientTlsOptions): SecureContext | undefined {
  if (tls.ca === undefined) return undefined;
  let context = contexts.get(tls);
  if (context === undefined) {
    context = createSecureContext({ ca: tls.ca });
    contexts.set(tls, context);
  }
  return context;
}

/** Starts TCP + TLS; the socket emits 'secureConnect' when the handshake and the certificate check passed. */
export function dialTls(target: TlsDialTarget, tls: ClientTlsOptions = {}): Socket {
  const servername = tls.servername ?? sniServerName(target.host);
  const options: ConnectionOptions = {
    host: target.host,
    port: target.port,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    ...(servername !== undefined ? { servername } : {}),
    ...(tls.ca !== undefined ? { secureContext: secureContextFor(tls) } : {}),
    ...(target.localAddress !== undefined ? { localAddress: target.localAddress } : {}),
  };
  return tlsConnect(options);
}

// Node reports certificate problems with OpenSSL's verify-error names and protocol problems as
// ERR_SSL_* / ERR_TLS_* (EPROTO on some versions); Bun uses the same names.
const TLS_ERROR_CODE = /^(ERR_SSL_|ERR_TLS_|ERR_OSSL_)|CERT|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH|^INVALID_(CA|PURPOSE)$|^EPROTO$/;

/** Whether an error code names a TLS failure (untrusted or mismatched certificate, protocol mismatch). */
export function isTlsErrorCode(code: string | undefined): boolean {
  return code !== undefined && TLS_ERROR_CODE.test(code);
}
