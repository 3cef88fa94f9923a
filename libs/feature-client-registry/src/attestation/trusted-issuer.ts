/**
 * An attestation issuer client-registry trusts: its name (the tokens' `iss`) and its public key,
 * which decides the signature algorithms accepted from it — Ed25519 keys sign EdDSA (also named
 * Ed25519, RFC 9864), P-256 keys sign ES256. Nothing else is accepted, `none` and HMAC included.
 *
 * Invariant: only public keys are kept. A private key offered as configuration is refused rather
 * than quietly reduced to its public half, so it is noticed and rotated.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

export type AttestationAlgorithm = 'EdDSA' | 'Ed25519' | 'ES256';

export interface TrustedIssuer {
  readonly issuer: string;
  /** The public key as a JWK (OKP Ed25519 or EC P-256). */
  readonly publicKey: JsonWebKey;
  readonly algorithms: readonly AttestationAlgorithm[];
}

/** `key`: a public JWK, or an SPKI PEM (`-----BEGIN PUBLIC KEY-----`). Throws naming what is wrong. */
export function trustedIssuer(issuer: string, key: JsonWebKey | string): TrustedIssuer {
  if (typeof issuer !== 'string' || issuer.trim() === '') throw new TypeError('issuer must be a non-empty string (the tokens\' iss)');
  let keyObject: KeyObject;
  if (typeof key === 'string') {
    if (!key.includes('-----BEGIN PUBLIC KEY-----')) {
      throw new TypeError('publicKey must be an SPKI PEM ("-----BEGIN PUBLIC KEY-----") or a public JWK; a private key is refused');
    }
    keyObject = parsed(() => createPublicKey({ key, format: 'pem' }));
  } else {
    if (typeof key !== 'object' || key === null) throw new TypeError('publicKey must be a public JWK object or an SPKI PEM string');
    if ('d' in key) throw new TypeError('publicKey is a private JWK (it has "d"): configure the public key only, and rotate this one');
    keyObject = parsed(() => createPublicKey({ key, format: 'jwk' }));
  }
  const type = keyObject.asymmetricKeyType;
  let algorithms: AttestationAlgorithm[];
  if (type === 'ed25519') algorithms = ['EdDSA', 'Ed25519'];
  else if (type === 'ec' && keyObject.asymmetricKeyDetails?.namedCurve === 'prime256v1') algorithms = ['ES256'];
  else throw new TypeError(`publicKey is of type ${type}${type === 'ec' ? ` (${keyObject.asymmetricKeyDetails?.namedCurve})` : ''}; attestation issuers sign with Ed25519 (EdDSA) or P-256 (ES256)`);
  return Object.freeze({ issuer, publicKey: Object.freeze(keyObject.export({ format: 'jwk' })), algorithms: Object.freeze(algorithms) });
}

function parsed(create: () => KeyObject): KeyObject {
  try {
    return create();
  } catch (error) {
    throw new TypeError(`publicKey could not be read as a key (${(error as Error).message})`);
  }
}
