/** What ClientRegistryModule.forRoot needs: whom to trust for attestation, and the enrolment limit. */
import type { AttestationPolicy } from './attestation/attestation.verifier';

export interface EnrolmentLimit {
  /** At most this many enrolments per attested subject ... */
  readonly maxPerSubject: number;
  /** ... in a fixed window of this length, counted from the subject's first enrolment in it. */
  readonly windowMs: number;
}

export interface ClientRegistryOptions {
  readonly attestation: AttestationPolicy;
  readonly enrolmentLimit: EnrolmentLimit;
  /** Milliseconds since the epoch, for token checks and the records' times; default `Date.now` (tests move it). */
  readonly clock?: () => number;
}

export const CLIENT_REGISTRY_OPTIONS = Symbol.for('cohort.ClientRegistryOptions');
