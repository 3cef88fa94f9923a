/** The one exception class of inference-worker, with its string codes. */
import { DomainError, type DomainErrorKind, type DomainErrorOptions } from '@cohort/nest-common';

export enum InferenceWorkerErrorCode {
  /** Text empty or only whitespace, or neither text nor image. */
  InvalidInput = 'invalid-input',
  /** Image bytes that are not a PNG/JPEG we can decode, or too small to encode. */
  InvalidImage = 'invalid-image',
  /** Image file or pixel count beyond the configured limits. */
  ImageTooLarge = 'image-too-large',
  /** A binary route called without `Content-Type: application/octet-stream`. */
  UnsupportedMediaType = 'unsupported-media-type',
  /** Back-pressure: the encoder queue is full. */
  Overloaded = 'encoder-overloaded',
  /** Warm-up has not finished (or the service is shutting down). */
  NotReady = 'encoder-not-ready',
}

const KIND: Record<InferenceWorkerErrorCode, DomainErrorKind> = {
  [InferenceWorkerErrorCode.InvalidInput]: 'invalid',
  [InferenceWorkerErrorCode.InvalidImage]: 'invalid',
  [InferenceWorkerErrorCode.ImageTooLarge]: 'too-large',
  [InferenceWorkerErrorCode.UnsupportedMediaType]: 'invalid',
  [InferenceWorkerErrorCode.Overloaded]: 'unavailable',
  [InferenceWorkerErrorCode.NotReady]: 'unavailable',
};

export class InferenceWorkerError extends DomainError<InferenceWorkerErrorCode> {
  constructor(code: InferenceWorkerErrorCode, message: string, options?: DomainErrorOptions) {
    super(code, KIND[code], message, options);
  }

  /** Inputs that can never succeed: a consumer sends them to `.dlq` rather than retry. */
  get permanent(): boolean {
    return this.kind === 'invalid' || this.kind === 'too-large';
  }
}
