/**
 * An attestation issuer in this process, for standalone mode, simulations and tests: an Ed25519
 * key pair (fresh, or handed over by the process that created it) and the tokens the registry's
 * verifier expects — `iss`, `sub` (one subject per simulated app instance unless told), `aud`,
 * `iat`, `exp`, `jti` and `cnf.jkt` binding the device's identity key.
 *
 * Invariant: the private key stays inside the instance. `trustedIssuer()` gives the public half
 * for the registry; only `exportSigningKey()` hands the private one out, for a process this one
 * starts; logging or serialising the instance shows its issuer name and nothing else.
 * It attests whatever it is asked to: a real deployment trusts a real attestation service instead.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject, randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { identityKeyThumbprint } from './identity-key-thumbprint';
import { loadJose } from './jose.loader';
import { trustedIssuer, type TrustedIssuer } from './trusted-issuer';

export interface LocalAttestationIssuerOptions {
  /** The tokens' `iss`, as the registry is configured to trust it. */
  readonly issuer: string;
  /** The tokens' `aud`: the registry's COHORT_ATTESTATION_AUDIENCE. */
  readonly audience: string;
  /** How long a token is valid (default 5 minutes). */
  readonly tokenTtlMs?: number;
  /** Sign with this Ed25519 private JWK (from `exportSigningKey()` of the issuer the registry trusts) instead of a fresh key. */
  readonly signingKey?: JsonWebKey;
  /** Milliseconds since the epoch, for `iat` and `exp`; default `Date.now`. */
  readonly clock?: () => number;
}

export class LocalAttestationIssuer {
  readonly issuer: string;
  readonly #audience: string;
  readonly #tokenTtlS: number;
  readonly #clock: () => number;
  readonly #privateKey: KeyObject;
  readonly #trusted: TrustedIssuer;

  constructor(options: LocalAttestationIssuerOptions) {
    const ttlMs = options.tokenTtlMs ?? 5 * 60_000;
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1000) throw new RangeError(`tokenTtlMs must be an integer of at least 1000, got ${ttlMs}`);
    if (typeof options.audience !== 'string' || options.audience === '') throw new TypeError('audience must be a non-empty string');
    this.#privateKey = options.signingKey === undefined ? generateKeyPairSync('ed25519').privateKey : createPrivateKey({ key: options.signingKey, format: 'jwk' });
    if (this.#privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('signingKey must be an Ed25519 private JWK (kty OKP, crv Ed25519)');
    this.#trusted = trustedIssuer(options.issuer, createPublicKey(this.#privateKey).export({ format: 'jwk' }));
    this.issuer = options.issuer;
    this.#audience = options.audience;
    this.#tokenTtlS = Math.floor(ttlMs / 1000);
    this.#clock = options.clock ?? Date.now;
  }

  /** What the registry is configured with to trust this issuer: its name and public key. */
  trustedIssuer(): TrustedIssuer {
    return this.#trusted;
  }

  /**
   * A token attesting `subject` and binding it to `identityKey` (base64 Ed25519 public key).
   * Without a subject each token names a new one, as separate app instances would.
   */
  async mint(identityKey: string, subject: string = `local-${randomUUID()}`): Promise<string> {
    const jose = await loadJose();
    const now = Math.floor(this.#clock() / 1000);
    return new jose.SignJWT({ cnf: { jkt: identityKeyThumbprint(identityKey) } })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setAudience(this.#audience)
      .setIssuedAt(now)
      .setExpirationTime(now + this.#tokenTtlS)
      .setJti(randomUUID())
      .sign(this.#privateKey);
  }

  /** The private signing key as a JWK, to hand to a process this one starts (a device simulator). Never log it. */
  exportSigningKey(): JsonWebKey {
    return this.#privateKey.export({ format: 'jwk' });
  }

  toJSON(): { issuer: string } {
    return { issuer: this.issuer };
  }

  [inspect.custom](): string {
    return `LocalAttestationIssuer { issuer: ${JSON.stringify(this.issuer)} }`;
  }
}
