// A self-signed certificate for the embedded server's TLS (--tls without --cert/--key), made with
// node:crypto alone so that no openssl binary is needed: an EC P-256 key pair and a minimal DER
// encoder for the X.509 v3 certificate (RFC 5280 §4.1), signed with ECDSA-SHA256.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertificatePair {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}

export interface SelfSignedOptions {
  /** Subject and issuer CN. Default 'wse-bench'. */
  commonName?: string;
  /** Names the certificate is valid for (subjectAltName): DNS names and IP literals. */
  hosts?: readonly string[];
  /** Default 365. */
  validDays?: number;
  /** Start of validity is one hour before this (clock skew). Default now. */
  now?: Date;
}

export const DEFAULT_CERT_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

// Object identifiers, as DER content bytes.
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const OID_COMMON_NAME = '2.5.4.3';
const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';

export function generateSelfSignedCertificate(options: SelfSignedOptions = {}): CertificatePair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 3_600_000);
  const notAfter = new Date(now.getTime() + (options.validDays ?? 365) * 86_400_000);
  const name = distinguishedName(options.commonName ?? 'wse-bench');
  const signatureAlgorithm = sequence(oid(OID_ECDSA_WITH_SHA256));

  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serialNumber()),
    signatureAlgorithm,
    name, // issuer = subject: self-signed
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
    explicit(3, sequence(
      // CA:TRUE, as `openssl req -x509` makes it, so the certificate can be its own trust anchor (--ca)
      extension(OID_BASIC_CONSTRAINTS, true, sequence(tlv(0x01, Buffer.from([0xff])))),
      extension(OID_SUBJECT_KEY_IDENTIFIER, false, tlv(0x04, createHash('sha1').update(subjectPublicKeyBits(spki)).digest())),
      extension(OID_SUBJECT_ALT_NAME, false, subjectAltNames(options.hosts ?? DEFAULT_CERT_HOSTS)),
    )),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const certificate = sequence(tbs, signatureAlgorithm, bitString(signature));
  return {
    certPem: pem('CERTIFICATE', certificate),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  /** Deletes the files and their directory; idempotent. */
  remove(): void;
}

/** Writes the pair into a fresh private temp directory (uWebSockets.js reads them by file name). */
export function writeCertificateFiles(pair: CertificatePair): CertificateFiles {
  const dir = mkdtempSync(join(tmpdir(), 'wse-bench-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, pair.certPem);
  writeFileSync(keyFile, pair.keyPem, { mode: 0o600 });
  return { certFile, keyFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// ---- DER (X.690) encoding: just the types a certificate needs ----

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function sequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function explicit(tagNumber: number, content: Buffer): Buffer {
  return tlv(0xa0 | tagNumber, content);
}

/** A non-negative INTEGER from big-endian magnitude bytes. */
function integer(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  // a leading 1 bit would make it negative: prefix a zero byte
  return tlv(0x02, (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function serialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive and never all zeros (RFC 5280 §4.1.2.2)
  return serial;
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const base128: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) base128.unshift((n & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function bitString(bytes: Buffer): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([0]), bytes])); // no unused bits
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-11-27T03:44:01.123Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, ''); // 20261127034401
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'latin1')) : tlv(0x18, Buffer.from(`${digits}Z`, 'latin1'));
}

function distinguishedName(commonName: string): Buffer {
  return sequence(set(sequence(oid(OID_COMMON_NAME), tlv(0x0c, Buffer.from(commonName, 'utf8')))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));
}

/** GeneralNames: dNSName [2] for names, iPAddress [7] for IPv4/IPv6 literals. */
function subjectAltNames(hosts: readonly string[]): Buffer {
  return sequence(...hosts.map((host) => {
    const family = isIP(host);
    if (family === 4) return tlv(0x87, Buffer.from(host.split('.').map(Number)));
    if (family === 6) return tlv(0x87, ipv6Bytes(host));
    return tlv(0x82, Buffer.from(host, 'latin1'));
  }));
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail] = address.split('::');
  const groups = (text: string | undefined): string[] => (text === undefined || text === '' ? [] : text.split(':'));
  const left = groups(head);
  const right = groups(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const out = Buffer.alloc(16);
  [...left, ...zeros, ...right].forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

/** The subjectPublicKey BIT STRING's bytes inside SPKI: what the key identifier hashes (RFC 5280 §4.2.1.2). */
function subjectPublicKeyBits(spki: Buffer): Buffer {
  // SPKI = SEQUENCE { AlgorithmIdentifier SEQUENCE, BIT STRING }; skip the outer header and the algorithm
  let offset = headerLength(spki, 0);
  offset += headerLength(spki, offset) + contentLength(spki, offset);
  const bitsStart = offset + headerLength(spki, offset);
  return spki.subarray(bitsStart + 1, bitsStart + contentLength(spki, offset)); // +1: the unused-bits byte
}

function headerLength(der: Buffer, offset: number): number {
  const first = der[offset + 1]!;
  return first < 0x80 ? 2 : 2 + (first & 0x7f);
}

function contentLength(der: Buffer, offset: number): number {
  const first = der[offset + 1]!;
  if (first < 0x80) return first;
  let length = 0;
  for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + der[offset + 2 + i]!;
  return length;
}

function pem(label: string, der: Buffer): string {
  const base64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}
