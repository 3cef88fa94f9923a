/**
 * The two exception classes of `@cohort/encoder`, each with a string code.
 *
 * - `EncoderInputError`: the caller's input cannot be encoded (empty text, bytes that are not a
 *   PNG/JPEG, an image too large or too small). Edges map it to a 4xx (problem+json 422/413) or
 *   send the event to its dead-letter topic; retrying the same input can never succeed.
 * - `EncoderSetupError`: the model files are missing, corrupt or unloadable. An operator problem:
 *   the message says what to run.
 */
export type EncoderInputErrorCode =
  /** A text is empty or only whitespace. */
  | 'empty-text'
  /** An item has neither text nor image. */
  | 'empty-item'
  /** The bytes are neither PNG nor JPEG, or the decoder rejected them. */
  | 'undecodable-image'
  /** More bytes than `maxBytes`. */
  | 'image-too-large'
  /** More pixels than `maxPixels`. */
  | 'image-too-many-pixels'
  /** A side shorter than `minSide` (zero-size images included). */
  | 'image-too-small'
  /** A `DecodedImage` whose fields disagree (data length, channels). */
  | 'invalid-image';

export class EncoderInputError extends Error {
  override readonly name = 'EncoderInputError';

  constructor(
    readonly code: EncoderInputErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type EncoderSetupErrorCode =
  /** The model directory or one of its files is missing. */
  | 'models-missing'
  /** A model file does not match the SHA-256 recorded in its manifest. */
  | 'model-corrupt'
  /** ONNX Runtime could not create a session (also on the CPU fallback). */
  | 'session-failed'
  /** An option is out of range. */
  | 'invalid-option';

export class EncoderSetupError extends Error {
  override readonly name = 'EncoderSetupError';

  constructor(
    readonly code: EncoderSetupErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
