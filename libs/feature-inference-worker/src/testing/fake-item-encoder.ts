/**
 * Test double of the encoder port (unit tests only; integration tests and the benchmark run the
 * real ONNX encoder). Embeddings are a deterministic function of the input, so a test can compute
 * what the worker must answer; every batch is recorded; `gate` holds batches (or the warm-up)
 * until the test releases them; `poison` makes any batch containing that text fail.
 * Its "images" are `IMG` + width + height + pixels; anything else is refused like the real
 * decoder refuses bytes it cannot decode.
 */
import { InferenceWorkerError, InferenceWorkerErrorCode } from '../inference-worker.error';
import type { DecodedImage, EncoderSettings, ImageLimits, ItemEncoderFactory, ItemEncoderPort, ItemInput } from '../encoder/item-encoder.port';

export const FAKE_DIMENSION = 4;

/** A "file" the fake decoder accepts: 'IMG', width, height, then width·height grey pixels. */
export function fakeImageFile(width: number, height: number, fill = 7): Uint8Array {
  const bytes = new Uint8Array(5 + width * height).fill(fill);
  bytes.set([0x49, 0x4d, 0x47, width, height]);
  return bytes;
}

export function fakeDecode(bytes: Uint8Array, limits: ImageLimits): DecodedImage {
  if (bytes.length > limits.maxBytes) throw new InferenceWorkerError(InferenceWorkerErrorCode.ImageTooLarge, 'too many bytes');
  if (bytes.length < 5 || bytes[0] !== 0x49 || bytes[1] !== 0x4d || bytes[2] !== 0x47) {
    throw new InferenceWorkerError(InferenceWorkerErrorCode.InvalidImage, 'not an image this decoder knows');
  }
  const [width, height] = [bytes[3]!, bytes[4]!];
  if (width * height > limits.maxPixels) throw new InferenceWorkerError(InferenceWorkerErrorCode.ImageTooLarge, 'too many pixels');
  if (bytes.length !== 5 + width * height) throw new InferenceWorkerError(InferenceWorkerErrorCode.InvalidImage, 'truncated image');
  return { width, height, channels: 1, data: bytes.subarray(5) };
}

/** The fake's embedding of one item: what the worker must answer for it. */
export function fakeEmbedding(item: ItemInput): Float32Array {
  const text = item.text ?? '';
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) % 10_007;
  const pixels = item.image?.data ?? new Uint8Array();
  const mean = pixels.length === 0 ? 0 : pixels.reduce((a, b) => a + b, 0) / pixels.length;
  return Float32Array.from([text.length / 100, hash / 10_007, mean / 255, item.image === undefined ? 0 : item.image.width / 10]);
}

export class FakeItemEncoder implements ItemEncoderPort {
  readonly version = 'fake-encoder@00000001';
  readonly dimension = FAKE_DIMENSION;
  readonly batches: number[] = [];
  gate: Promise<void> | undefined;
  warmUpGate: Promise<void> | undefined;
  poison: string | undefined;
  closed = false;

  constructor(
    readonly requestedProvider: 'cpu' | 'cuda' = 'cpu',
    readonly provider: 'cpu' | 'cuda' = 'cpu',
  ) {}

  get fellBack(): boolean {
    return this.provider !== this.requestedProvider;
  }

  async encodeItems(items: readonly ItemInput[]): Promise<Float32Array[]> {
    this.batches.push(items.length);
    await this.gate;
    if (this.poison !== undefined && items.some((item) => item.text === this.poison)) throw new Error('session.run failed on the poison item');
    return items.map(fakeEmbedding);
  }

  async warmUp(): Promise<void> {
    await this.warmUpGate;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A controllable promise: `hold()` returns one, `release()` settles it. */
export function latch(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

export function fakeFactory(encoder: FakeItemEncoder): ItemEncoderFactory & { settings: EncoderSettings[] } {
  const settings: EncoderSettings[] = [];
  return { settings, load: async (s) => (settings.push(s), encoder), decodeImage: fakeDecode };
}
