/**
 * Checks the attestation token of an enrolment (a JWT, compact JWS) with `jose`:
 * - `iss` is a configured issuer, and the signature verifies with that issuer's key under one of
 *   the algorithms its key type allows (an issuer listed twice is a key rotation: either key);
 * - `aud` includes the configured audience; `exp` is in the future and `iat` in the past, within
 *   the clock tolerance, and no older than the maximum age; `sub` is present;
 * - `cnf.jkt` is the thumbprint of the request's identity key, so a token obtained for one key
 *   cannot enrol another (identity-key-thumbprint.ts).
 * Any failure is a ClientRegistryError of kind 'unauthenticated' (401) with a code naming it; the
 * token itself never appears in a message.
 */
import { timingSafeEqual } from 'node:crypto';
import type { JWK } from 'jose';
import { ClientRegistryError, ClientRegistryErrorCode as Code } from '../devices/client-registry.error';
import { identityKeyThumbprint } from './identity-key-thumbprint';
import { loadJose } from './jose.loader';
import type { TrustedIssuer } from './trusted-issuer';

export interface AttestationPolicy {
  readonly issuers: readonly TrustedIssuer[];
  /** The `aud` this registry answers to. */
  readonly audience: string;
  /** A token issued (`iat`) longer ago than this is refused, whatever its `exp`. */
  readonly maxTokenAgeMs: number;
  /** Leeway for the issuer's clock on `exp`, `iat` and `nbf`. */
  readonly clockToleranceMs: number;
}

/** What a verified token attests. */
export interface Attestation {
  readonly issuer: string;
  /** The attested app instance or hardware: what the enrolment rate limit counts by. */
  readonly subject: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

const MAX_SUBJECT_LENGTH = 512;

export class AttestationVerifier {
  constructor(
    private readonly policy: AttestationPolicy,
    private readonly clock: () => number = Date.now,
  ) {}

  async verify(token: string | undefined, identityKey: string): Promise<Attestation> {
    if (token === undefined || token === '') {
      throw new ClientRegistryError(Code.AttestationMissing, 'Enrolment needs `attestationToken`: a JWT from an attestation issuer this registry trusts, bound to `identityKey` by `cnf.jkt`.');
    }
    const jose = await loadJose();
    let issuer: unknown;
    try {
      issuer = jose.decodeJwt(token).iss;
    } catch {
      throw new ClientRegistryError(Code.AttestationMalformed, '`attestationToken` is not a JWT (a compact JWS whose payload is a JSON object).');
    }
    if (typeof issuer !== 'string') throw new ClientRegistryError(Code.AttestationUntrustedIssuer, 'The attestation token names no issuer (`iss`).');
    const keys = this.policy.issuers.filter((trusted) => trusted.issuer === issuer);
    if (keys.length === 0) {
      throw new ClientRegistryError(Code.AttestationUntrustedIssuer, `The attestation issuer ${JSON.stringify(issuer.slice(0, 200))} is not one this registry trusts.`);
    }

    let payload: Record<string, unknown> | undefined;
    let lastError: unknown;
    for (const key of keys) {
      try {
        ({ payload } = await jose.jwtVerify(token, key.publicKey as JWK, {
          issuer,
          audience: this.policy.audience,
          algorithms: [...key.algorithms],
          requiredClaims: ['sub', 'iat', 'exp'],
          maxTokenAge: this.policy.maxTokenAgeMs / 1000,
          clockTolerance: this.policy.clockToleranceMs / 1000,
          currentDate: new Date(this.clock()),
        }));
        break;
      } catch (error) {
        lastError = error;
        if (codeOf(error) !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') break; // another key would not change the verdict
      }
    }
    if (payload === undefined) throw translate(lastError, issuer);

    const subject = payload['sub'];
    if (typeof subject !== 'string' || subject === '' || subject.length > MAX_SUBJECT_LENGTH) {
      throw new ClientRegistryError(Code.AttestationInvalidClaims, `The attestation token's \`sub\` must be a non-empty string of at most ${MAX_SUBJECT_LENGTH} characters.`);
    }
    const bound = (payload['cnf'] as { jkt?: unknown } | undefined)?.jkt;
    if (typeof bound !== 'string') {
      throw new ClientRegistryError(Code.AttestationKeyMismatch, 'The attestation token binds no identity key: it needs `cnf.jkt`, the RFC 7638 thumbprint of `identityKey`.');
    }
    if (!sameString(bound, identityKeyThumbprint(identityKey))) {
      throw new ClientRegistryError(Code.AttestationKeyMismatch, 'The attestation token was issued for another identity key than this request\'s `identityKey`.');
    }
    return {
      issuer,
      subject,
      issuedAt: new Date((payload['iat'] as number) * 1000),
      expiresAt: new Date((payload['exp'] as number) * 1000),
    };
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** jose's failure → the registry's code. jose's messages name the claim, never the token. */
function translate(error: unknown, issuer: string): ClientRegistryError {
  const reason = error instanceof Error ? error.message : String(error);
  switch (codeOf(error)) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new ClientRegistryError(Code.AttestationBadSignature, `The attestation token's signature does not verify with the key of issuer ${JSON.stringify(issuer)}.`);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new ClientRegistryError(Code.AttestationBadSignature, `The attestation token is signed with an algorithm issuer ${JSON.stringify(issuer)} does not sign with.`);
    case 'ERR_JWT_EXPIRED':
      return new ClientRegistryError(Code.AttestationExpired, `The attestation token has expired (${reason}); get a fresh one from the issuer.`);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as { claim?: unknown }).claim;
      if (claim === 'aud') return new ClientRegistryError(Code.AttestationWrongAudience, 'The attestation token was issued for another audience than this registry.');
      return new ClientRegistryError(Code.AttestationInvalidClaims, `The attestation token's claims are not acceptable: ${reason}.`);
    }
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new ClientRegistryError(Code.AttestationMalformed, `The attestation token is not a valid signed JWT: ${reason}.`);
    default:
      throw error; // not a verdict on the token: a bug or a broken key, answered as 500 and logged
  }
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
