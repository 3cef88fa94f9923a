/**
 * The one exception class of `@cohort/secagg`.
 *
 * Invariant: every failure the library signals is a `SecAggError` whose `code` is one of
 * `SecAggErrorCode`, so the service maps outcomes with one exhaustive switch (STYLE.md, after
 * twenty). A thrown error never leaves a session half-updated: state machines validate a whole
 * message before they change anything, and only the `abort`-class codes end a session.
 */

export const SecAggErrorCode = {
  /** A constructor or helper argument is out of range; the message names the parameter. */
  InvalidParameter: 'INVALID_PARAMETER',
  /** A message belongs to a stage other than the one the session is in. */
  OutOfOrder: 'OUT_OF_ORDER',
  /** The same sender already delivered this stage's message (a replay or a retry). */
  Duplicate: 'DUPLICATE_MESSAGE',
  /** The message carries another round's id. */
  WrongRound: 'WRONG_ROUND',
  /** The sender is not in the cohort. */
  UnknownClient: 'UNKNOWN_CLIENT',
  /** The sender is in the cohort but was dropped from this stage (e.g. sent no keys earlier). */
  NotEligible: 'NOT_ELIGIBLE',
  /** A key advertisement or consistency signature is missing or does not verify. */
  BadSignature: 'BAD_SIGNATURE',
  /** A message is structurally wrong: missing field, wrong key length, unexpected recipient… */
  MalformedMessage: 'MALFORMED_MESSAGE',
  /** A masked vector has the wrong number of words. */
  WrongVectorLength: 'WRONG_VECTOR_LENGTH',
  /** A masked or quantized word is not below the modulus 2^b. */
  ValueOutOfRange: 'VALUE_OUT_OF_RANGE',
  /** AES-GCM refused a ciphertext (tampered, wrong key, wrong associated data). */
  DecryptionFailed: 'DECRYPTION_FAILED',
  /** A revealed share does not open the commitment its dealer made. */
  ShareCommitmentMismatch: 'SHARE_COMMITMENT_MISMATCH',
  /** A reconstructed secret does not match what its owner advertised. */
  ReconstructionFailed: 'RECONSTRUCTION_FAILED',
  /** Fewer than t clients are left at some stage: the session aborts and releases nothing. */
  InsufficientSurvivors: 'INSUFFICIENT_SURVIVORS',
  /** Fewer than t shares arrived for a secret the server must reconstruct: abort, release nothing. */
  InsufficientShares: 'INSUFFICIENT_SHARES',
  /** The server would have asked for both secrets of one client: refused (privacy invariant). */
  BothSecretsRequested: 'BOTH_SECRETS_REQUESTED',
  /** The session already aborted; nothing more is accepted. */
  SessionAborted: 'SESSION_ABORTED',
  /** The session already released its sum; nothing more is accepted. */
  SessionFinished: 'SESSION_FINISHED',
  /** A serialized state does not decode. */
  CorruptState: 'CORRUPT_STATE',
  /** The Harary-graph parameter search found no degree for the requested rates. */
  NoFeasibleGraph: 'NO_FEASIBLE_GRAPH',
} as const;

export type SecAggErrorCode = (typeof SecAggErrorCode)[keyof typeof SecAggErrorCode];

export class SecAggError extends Error {
  override readonly name = 'SecAggError';

  constructor(
    readonly code: SecAggErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Throws `SecAggError(InvalidParameter)` naming `name` unless `ok`. */
export function requireParameter(ok: boolean, name: string, rule: string, value: unknown): asserts ok {
  if (!ok) {
    throw new SecAggError(SecAggErrorCode.InvalidParameter, `${name} ${rule} (got ${formatValue(value)})`);
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return String(value);
}
