/**
 * The one exception class of @cohort/dp, with a string code per failure kind.
 *
 * Invariant: the library never silently under-counts privacy loss. Anything it cannot account
 * exactly or conservatively (an unsupported event, an argument out of range, a search that found
 * no bracket) raises a DpError whose message tells the operator what to change.
 */

export enum DpErrorCode {
  /** An argument is outside its documented domain (the message names the argument). */
  InvalidArgument = 'DP_INVALID_ARGUMENT',
  /** The accountant cannot account this event; composing it would under-count. */
  UnsupportedEvent = 'DP_UNSUPPORTED_EVENT',
  /** Calibration could not find a parameter that meets the target. */
  CalibrationFailed = 'DP_CALIBRATION_FAILED',
  /** The randomness port returned something unusable. */
  RandomSourceFailed = 'DP_RANDOM_SOURCE_FAILED',
}

export class DpError extends Error {
  constructor(
    readonly code: DpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DpError';
  }
}

/** Throws an InvalidArgument error naming `name` unless `ok`. */
export function check(ok: boolean, name: string, expectation: string, value: unknown): asserts ok {
  if (!ok) {
    throw new DpError(DpErrorCode.InvalidArgument, `${name} must be ${expectation}; got ${String(value)}`);
  }
}
