/**
 * The frozen multi-modal item encoder: all-MiniLM-L6-v2 (text, 384-d) and MobileNetV2 features
 * (image, 576-d: block_13_expand_relu, average-pooled, at 112×112) on ONNX Runtime, fused into one unit-norm item embedding (fusion.ts).
 *
 * Invariants: `encodeTexts` / `encodeImages` make exactly one `session.run` per call, on exactly
 * the tensors `textFeeds` / `imageFeeds` return; inputs are validated before any tensor is built
 * (EncoderInputError); model files are verified against their SHA-256 before loading; a requested
 * but unavailable provider falls back to CPU with a warning and `fellBack = true`.
 */
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { EncoderInputError, EncoderSetupError } from './encoder.error';
import { processWarningLogger, type EncoderLogger } from './encoder.logger';
import { fuseEmbeddings } from './fusion';
import { assertDecodedImage, type DecodedImage } from './image-decoder';
import { writeModelInput } from './image-preprocess';
import { modelVersion, readManifest, readVerified, type ModelManifest } from './model-files';
import { createSession, type ExecutionProvider } from './session-factory';
import { assertText, TextTokenizer } from './text-tokenizer';

export interface EncoderOptions {
  /** Where `npm run setup:models` left the ONNX files + tokenizer (see `defaultModelDir()`). */
  readonly modelDir: string;
  readonly executionProvider: ExecutionProvider;
  /** ORT intra-op threads per session (default: ORT's choice). */
  readonly intraOpThreads?: number;
  /** CUDA device ordinal (default 0). */
  readonly deviceId?: number;
  /** pino-shaped logger for the fallback warning and the load line (default: process warning). */
  readonly logger?: EncoderLogger;
}

export interface ItemInput {
  readonly text?: string;
  readonly image?: DecodedImage;
}

export class ItemEncoder {
  readonly version: string;
  readonly dimension: number;
  readonly textDimension: number;
  readonly imageDimension: number;
  private closed = false;

  private constructor(
    readonly textSession: InferenceSession,
    readonly imageSession: InferenceSession,
    private readonly tokenizer: TextTokenizer,
    private readonly manifest: ModelManifest,
    readonly provider: ExecutionProvider,
    readonly requestedProvider: ExecutionProvider,
    readonly fellBack: boolean,
  ) {
    this.version = modelVersion(manifest);
    this.textDimension = manifest.text.dimension;
    this.imageDimension = manifest.image.dimension;
    this.dimension = this.textDimension + this.imageDimension;
  }

  static async load(options: EncoderOptions): Promise<ItemEncoder> {
    const logger = options.logger ?? processWarningLogger;
    if (options.executionProvider !== 'cpu' && options.executionProvider !== 'cuda') {
      throw new EncoderSetupError('invalid-option', `executionProvider must be 'cpu' or 'cuda', got ${String(options.executionProvider)}`);
    }
    const manifest = readManifest(options.modelDir);
    const json = (file: 'tokenizer.json' | 'tokenizer_config.json'): object =>
      JSON.parse(readVerified(options.modelDir, manifest, file).toString('utf8')) as object;
    const tokenizer = await TextTokenizer.create(json('tokenizer.json'), json('tokenizer_config.json'), manifest.text.maxTokens);

    const sessionOptions = {
      provider: options.executionProvider,
      ...(options.intraOpThreads !== undefined ? { intraOpThreads: options.intraOpThreads } : {}),
      ...(options.deviceId !== undefined ? { deviceId: options.deviceId } : {}),
    };
    const text = await createSession(readVerified(options.modelDir, manifest, 'text-encoder.onnx'), sessionOptions);
    // If CUDA failed for the first session it will fail for the second: do not try twice.
    const image = await createSession(readVerified(options.modelDir, manifest, 'image-encoder.onnx'), {
      ...sessionOptions,
      provider: text.provider,
    });
    const fellBack = text.provider !== options.executionProvider;
    const encoder = new ItemEncoder(
      text.session, image.session, tokenizer, manifest, text.provider, options.executionProvider, fellBack,
    );
    if (fellBack) {
      logger.warn(
        { requestedProvider: options.executionProvider, provider: text.provider, reason: text.fallbackReason },
        'requested execution provider unavailable; item encoder fell back to CPU',
      );
    }
    logger.info(
      { modelVersion: encoder.version, provider: encoder.provider, dimension: encoder.dimension },
      'item encoder loaded',
    );
    return encoder;
  }

  /** The exact feeds `encodeTexts` passes to `textSession.run` (int64 [N, longest]). */
  textFeeds(texts: readonly string[]): Record<string, Tensor> {
    const batch = this.tokenizer.encodeBatch(texts);
    const dims = [batch.batch, batch.sequence];
    return {
      input_ids: new Tensor('int64', batch.inputIds, dims),
      attention_mask: new Tensor('int64', batch.attentionMask, dims),
      token_type_ids: new Tensor('int64', batch.tokenTypeIds, dims),
    };
  }

  /** The exact feeds `encodeImages` passes to `imageSession.run` (float32 [N, size, size, 3], size from the manifest: 112). */
  imageFeeds(images: readonly DecodedImage[]): Record<string, Tensor> {
    const size = this.manifest.image.size;
    images.forEach((image, i) => assertDecodedImage(image, i));
    const data = new Float32Array(images.length * size * size * 3);
    images.forEach((image, i) => writeModelInput(image, size, data, i * size * size * 3));
    return { [this.manifest.image.input]: new Tensor('float32', data, [images.length, size, size, 3]) };
  }

  async encodeTexts(texts: readonly string[]): Promise<Float32Array[]> {
    this.assertOpen();
    if (texts.length === 0) return [];
    const feeds = this.textFeeds(texts);
    const out = await this.textSession.run(feeds);
    return rows(out[this.manifest.text.output], texts.length, this.textDimension);
  }

  async encodeImages(images: readonly DecodedImage[]): Promise<Float32Array[]> {
    this.assertOpen();
    if (images.length === 0) return [];
    const feeds = this.imageFeeds(images);
    const out = await this.imageSession.run(feeds);
    return rows(out[this.manifest.image.output], images.length, this.imageDimension);
  }

  /** One text batch and one image batch for all items, then fusion per item. */
  async encodeItems(items: readonly ItemInput[]): Promise<Float32Array[]> {
    const texts: string[] = [];
    const images: DecodedImage[] = [];
    const slots = items.map((item, i) => {
      const hasText = item?.text !== undefined;
      const hasImage = item?.image !== undefined;
      if (!hasText && !hasImage) throw new EncoderInputError('empty-item', `items[${i}] has neither text nor image`);
      if (hasText) assertText(item.text, i); // validate everything before any run
      if (hasImage) assertDecodedImage(item.image!, i);
      return {
        text: hasText ? texts.push(item.text!) - 1 : -1,
        image: hasImage ? images.push(item.image!) - 1 : -1,
      };
    });
    const [textVectors, imageVectors] = await Promise.all([this.encodeTexts(texts), this.encodeImages(images)]);
    return slots.map((s) => this.fuse(s.text >= 0 ? textVectors[s.text] : undefined, s.image >= 0 ? imageVectors[s.image] : undefined));
  }

  fuse(text: Float32Array | undefined, image: Float32Array | undefined): Float32Array {
    return fuseEmbeddings(text, image, this.textDimension, this.imageDimension);
  }

  async warmUp(): Promise<void> {
    const size = this.manifest.image.size;
    await this.encodeTexts(['warm-up']);
    await this.encodeImages([{ width: size, height: size, channels: 1, data: new Uint8Array(size * size).fill(128) }]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.textSession.release(), this.imageSession.release()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new EncoderSetupError('session-failed', 'this ItemEncoder was closed; load a new one');
  }
}

function rows(tensor: Tensor | undefined, n: number, dim: number): Float32Array[] {
  if (!tensor || tensor.type !== 'float32' || tensor.dims.length !== 2 || tensor.dims[0] !== n || tensor.dims[1] !== dim) {
    throw new EncoderSetupError('session-failed', `model output has shape ${JSON.stringify(tensor?.dims)}, expected [${n}, ${dim}]`);
  }
  const data = tensor.data as Float32Array;
  return Array.from({ length: n }, (_, i) => data.slice(i * dim, (i + 1) * dim));
}
