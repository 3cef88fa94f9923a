/**
 * What the worker needs of the item encoder (`@cohort/encoder`'s `ItemEncoder` satisfies it
 * structurally), and the factory that builds one. The worker depends on this port only, so its
 * batching, consumer and HTTP code are unit-tested with a fake, and the ONNX encoder is the one
 * adapter (onnx-item-encoder.factory.ts) that integration tests and production use.
 */
import type { DecodedImage, ExecutionProvider, ItemInput } from '@cohort/encoder';

/** The encoder's own types (type-only: the port pulls in no ONNX code). */
export type { DecodedImage, ExecutionProvider, ItemInput } from '@cohort/encoder';

export interface ItemEncoderPort {
  /** Names the weights and the fusion: every embedding carries it. */
  readonly version: string;
  readonly dimension: number;
  /** The provider the sessions run on, the one asked for, and whether it fell back to cpu. */
  readonly provider: ExecutionProvider;
  readonly requestedProvider: ExecutionProvider;
  readonly fellBack: boolean;
  /** One embedding per item, in order; one session run per modality for the whole batch. */
  encodeItems(items: readonly ItemInput[]): Promise<Float32Array[]>;
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

export interface ImageLimits {
  readonly maxBytes: number;
  readonly maxPixels: number;
}

/**
 * Decodes a PNG or JPEG file; throws InferenceWorkerError (invalid-image / image-too-large).
 * Invariant: more than `limits.maxBytes` bytes is image-too-large, refused before anything is
 * decoded (the embedding service relies on it and does not check the byte length itself).
 */
export type ImageDecoder = (bytes: Uint8Array, limits: ImageLimits) => DecodedImage;

export interface EncoderSettings {
  /** Where `npm run setup:models` left the ONNX files; undefined: the encoder's default directory. */
  readonly modelDir?: string;
  readonly executionProvider: ExecutionProvider;
  readonly intraOpThreads?: number;
}

/** Builds the encoder (loads its sessions) and the image decoder that goes with it. */
export interface ItemEncoderFactory {
  load(settings: EncoderSettings): Promise<ItemEncoderPort>;
  readonly decodeImage: ImageDecoder;
}

export const ITEM_ENCODER_FACTORY = Symbol.for('cohort.ItemEncoderFactory');
