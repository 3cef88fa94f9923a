/**
 * The production adapter of the encoder port: `@cohort/encoder`'s ItemEncoder (ONNX Runtime
 * sessions, cpu or cuda with fallback to cpu; it logs the fallback warning through our logger)
 * and its PNG/JPEG decoder. The encoder's EncoderInputError becomes this module's
 * InferenceWorkerError (4xx / `.dlq`): bytes or pixels beyond the limits are `image-too-large`
 * (413), other image problems `invalid-image` (400), text problems `invalid-input` (400).
 */
import { Logger } from '@nestjs/common';
import { decodeImage, defaultModelDir, EncoderInputError, ItemEncoder } from '@cohort/encoder';
import { InferenceWorkerError, InferenceWorkerErrorCode } from '../inference-worker.error';
import type { DecodedImage, EncoderSettings, ImageLimits, ItemEncoderFactory, ItemEncoderPort, ItemInput } from './item-encoder.port';

const logger = new Logger('ItemEncoder');

function translated(error: unknown): unknown {
  if (!(error instanceof EncoderInputError)) return error;
  switch (error.code) {
    case 'image-too-large':
    case 'image-too-many-pixels':
      return new InferenceWorkerError(InferenceWorkerErrorCode.ImageTooLarge, error.message, { cause: error });
    case 'undecodable-image':
    case 'image-too-small':
    case 'invalid-image':
      return new InferenceWorkerError(InferenceWorkerErrorCode.InvalidImage, error.message, { cause: error });
    case 'empty-text':
    case 'empty-item':
      return new InferenceWorkerError(InferenceWorkerErrorCode.InvalidInput, error.message, { cause: error });
    default: {
      const unknown: never = error.code;
      return new InferenceWorkerError(InferenceWorkerErrorCode.InvalidInput, `${String(unknown)}: ${error.message}`, { cause: error });
    }
  }
}

/** The ONNX encoder seen through the port: same vectors, errors translated. */
class OnnxItemEncoder implements ItemEncoderPort {
  constructor(readonly inner: ItemEncoder) {}

  get version(): string { return this.inner.version; }
  get dimension(): number { return this.inner.dimension; }
  get provider() { return this.inner.provider; }
  get requestedProvider() { return this.inner.requestedProvider; }
  get fellBack(): boolean { return this.inner.fellBack; }

  async encodeItems(items: readonly ItemInput[]): Promise<Float32Array[]> {
    try {
      return await this.inner.encodeItems(items);
    } catch (error) {
      throw translated(error);
    }
  }

  warmUp(): Promise<void> {
    return this.inner.warmUp();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** An already loaded ItemEncoder seen through the port (the benchmark shares one with its raw baseline). */
export function itemEncoderPort(encoder: ItemEncoder): ItemEncoderPort {
  return new OnnxItemEncoder(encoder);
}

export const onnxItemEncoderFactory: ItemEncoderFactory = {
  async load(settings: EncoderSettings): Promise<ItemEncoderPort> {
    const encoder = await ItemEncoder.load({
      modelDir: settings.modelDir ?? defaultModelDir(),
      executionProvider: settings.executionProvider,
      ...(settings.intraOpThreads === undefined ? {} : { intraOpThreads: settings.intraOpThreads }),
      logger: { info: (obj, msg) => logger.log(obj, msg), warn: (obj, msg) => logger.warn(obj, msg) },
    });
    return itemEncoderPort(encoder);
  },

  decodeImage(bytes: Uint8Array, limits: ImageLimits): DecodedImage {
    try {
      return decodeImage(bytes, { maxBytes: limits.maxBytes, maxPixels: limits.maxPixels });
    } catch (error) {
      throw translated(error);
    }
  },
};
