/**
 * The binding between an attestation token and a device identity key: the RFC 7638 JWK
 * thumbprint (SHA-256, base64url) of the identity key written as an RFC 8037 OKP JWK, which the
 * token carries as `cnf.jkt` (RFC 7800 §3.1, as DPoP does in RFC 9449 §6.1).
 *
 * RFC 7638 §3.2: the thumbprint hashes the required members only (`crv`, `kty`, `x` for OKP), in
 * lexicographic order, without whitespace — which is the literal string built here.
 */
import { createHash } from 'node:crypto';

/** `identityKey`: the 32-byte Ed25519 public key in standard base64, as devices enrol with it. */
export function identityKeyThumbprint(identityKey: string): string {
  const raw = Buffer.from(identityKey, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== identityKey) {
    throw new TypeError('identityKey must be a 32-byte Ed25519 public key in standard base64');
  }
  return createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${raw.toString('base64url')}"}`).digest('base64url');
}
