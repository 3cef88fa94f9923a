/** The one exception class of client-registry, with its string codes. */
import { DomainError, type DomainErrorKind } from '@cohort/nest-common';

export enum ClientRegistryErrorCode {
  DeviceNotFound = 'device-not-found',
  /** The caller names another device in `X-Cohort-Client-Id` than the one it acts on. */
  DeviceMismatch = 'device-mismatch',
  AttestationMissing = 'attestation-missing',
  /** Not a JWT: not three base64url parts, or a payload that is not a JSON object. */
  AttestationMalformed = 'attestation-malformed',
  AttestationUntrustedIssuer = 'attestation-untrusted-issuer',
  /** The signature does not verify with the issuer's key, or uses an algorithm it does not sign with. */
  AttestationBadSignature = 'attestation-bad-signature',
  /** Past `exp`, or issued longer ago than the configured maximum age. */
  AttestationExpired = 'attestation-expired',
  AttestationWrongAudience = 'attestation-wrong-audience',
  /** The token binds no identity key, or another one than the request's `identityKey`. */
  AttestationKeyMismatch = 'attestation-key-mismatch',
  /** A required claim (`sub`, `iat`, `exp`) is missing or wrong (`iat` in the future, ...). */
  AttestationInvalidClaims = 'attestation-invalid-claims',
  /**
   * Too many enrolments for one attested subject in the window. DomainErrorKind has no
   * rate-limit kind, so DevicesController answers it as 429 with Retry-After itself; anywhere
   * else it means what 503 means: come back later.
   */
  EnrolmentRateLimited = 'enrolment-rate-limited',
}

const KIND: Record<ClientRegistryErrorCode, DomainErrorKind> = {
  [ClientRegistryErrorCode.DeviceNotFound]: 'not-found',
  [ClientRegistryErrorCode.DeviceMismatch]: 'forbidden',
  [ClientRegistryErrorCode.AttestationMissing]: 'unauthenticated',
  [ClientRegistryErrorCode.AttestationMalformed]: 'unauthenticated',
  [ClientRegistryErrorCode.AttestationUntrustedIssuer]: 'unauthenticated',
  [ClientRegistryErrorCode.AttestationBadSignature]: 'unauthenticated',
  [ClientRegistryErrorCode.AttestationExpired]: 'unauthenticated',
  [ClientRegistryErrorCode.AttestationWrongAudience]: 'unauthenticated',
  [ClientRegistryErrorCode.AttestationKeyMismatch]: 'unauthenticated',
  [ClientRegistryErrorCode.AttestationInvalidClaims]: 'unauthenticated',
  [ClientRegistryErrorCode.EnrolmentRateLimited]: 'unavailable',
};

export class ClientRegistryError extends DomainError<ClientRegistryErrorCode> {
  constructor(
    code: ClientRegistryErrorCode,
    message: string,
    /** Only for EnrolmentRateLimited: when the subject may enrol again. */
    readonly retryAfterMs?: number,
  ) {
    super(code, KIND[code], message);
  }
}
