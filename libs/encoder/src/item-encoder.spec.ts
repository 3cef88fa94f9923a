import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EncoderInputError, EncoderSetupError } from './encoder.error';
import { decodeImage, type DecodedImage } from './image-decoder';
import { ItemEncoder } from './item-encoder';
import { quietLogger, requireModelDir } from './models.test-support';

const FIXTURES = join(__dirname, '..', 'fixtures');
const image = (name: string) => decodeImage(new Uint8Array(readFileSync(join(FIXTURES, 'images', name))));
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const TEXTS = ['Red running shoes', 'Crimson sneakers for jogging', 'Stainless steel saucepan, 2 l'];

interface ParityCase { file: string; width: number; height: number; channels: number; features: string }

describe('ItemEncoder (real models from npm run setup:models)', () => {
  let modelDir: string;
  let encoder: ItemEncoder;
  beforeAll(async () => {
    modelDir = requireModelDir();
    encoder = await ItemEncoder.load({ modelDir, executionProvider: 'cpu', intraOpThreads: 1, logger: quietLogger });
  });
  afterAll(async () => {
    await encoder?.close();
  });

  it('reports its version, dimensions and provider', () => {
    expect(encoder.version).toMatch(/^minilm-l6-v2\+mobilenet-v2@[0-9a-f]{8}$/);
    expect(encoder.textDimension).toBe(384);
    expect(encoder.imageDimension).toBe(576); // GAP of MobileNetV2's block_13_expand_relu
    expect(encoder.dimension).toBe(384 + 576);
    expect(encoder).toMatchObject({ provider: 'cpu', requestedProvider: 'cpu', fellBack: false });
  });

  it('encodeTexts makes one session.run on exactly textFeeds and returns its rows', async () => {
    const run = vi.spyOn(encoder.textSession, 'run');
    try {
      const vectors = await encoder.encodeTexts(TEXTS);
      expect(run).toHaveBeenCalledTimes(1);
      const direct = (await encoder.textSession.run(encoder.textFeeds(TEXTS)))['sentence_embedding'] as Tensor;
      expect(direct.dims).toEqual([3, 384]);
      const data = direct.data as Float32Array;
      vectors.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(data.subarray(i * 384, (i + 1) * 384))));
    } finally {
      run.mockRestore();
    }
  });

  it('text embeddings are unit vectors, padding does not change them, and meaning shows', async () => {
    const [shoes, sneakers, pan] = await encoder.encodeTexts(TEXTS);
    const [alone] = await encoder.encodeTexts([TEXTS[0]!]);
    for (const v of [shoes!, sneakers!, pan!]) expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    // In the batch TEXTS[0] is padded to the longest text; alone it is not.
    expect(maxAbsDiff(shoes!, alone!)).toBeLessThan(1e-5);
    expect(dot(shoes!, sneakers!)).toBeGreaterThan(dot(shoes!, pan!) + 0.2);
  });

  it('computes all-MiniLM-L6-v2: cosine ≥ 0.995 with the fp32 original (NumPy BERT fixture) on 12 texts', async () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, 'text-reference.json'), 'utf8')) as {
      cases: { text: string; embedding: string }[];
    };
    expect(fixture.cases.length).toBe(12);
    const got = await encoder.encodeTexts(fixture.cases.map((c) => c.text));
    fixture.cases.forEach((c, i) => {
      const bytes = Buffer.from(c.embedding, 'base64');
      const expected = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      // Both are unit vectors, so the dot product is the cosine. int8 weights cost ~1e-3 of it.
      expect(dot(got[i]!, expected), c.text).toBeGreaterThanOrEqual(0.995);
    });
  });

  it('encodeImages makes one session.run on exactly imageFeeds and returns its rows', async () => {
    const images = [image('gray-28.png'), image('rgba-60x40.png')];
    const run = vi.spyOn(encoder.imageSession, 'run');
    try {
      const vectors = await encoder.encodeImages(images);
      expect(run).toHaveBeenCalledTimes(1);
      const feeds = encoder.imageFeeds(images);
      expect(feeds['input']!.dims).toEqual([2, 112, 112, 3]);
      const direct = (await encoder.imageSession.run(feeds))['features'] as Tensor;
      const data = direct.data as Float32Array;
      vectors.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(data.subarray(i * 576, (i + 1) * 576))));
    } finally {
      run.mockRestore();
    }
  });

  it('matches the source framework: nsfwjs MobileNetV2 on TF.js (112×112, block_13_expand_relu pooled), max abs diff ≤ 1e-4', async () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, 'image-parity.json'), 'utf8')) as { cases: ParityCase[] };
    expect(fixture.cases.length).toBeGreaterThanOrEqual(5);
    const images = fixture.cases.map((c) => image(c.file));
    images.forEach((img, i) => expect(img).toMatchObject({ width: fixture.cases[i]!.width, height: fixture.cases[i]!.height }));
    const got = await encoder.encodeImages(images);
    fixture.cases.forEach((c, i) => {
      const bytes = Buffer.from(c.features, 'base64');
      const expected = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      expect(expected.some((v) => v > 0.1)).toBe(true); // a real feature vector, not zeros
      expect(maxAbsDiff(got[i]!, expected), c.file).toBeLessThanOrEqual(1e-4);
    });
  });

  it('encodeItems fuses text and image, tolerating a missing modality', async () => {
    const kafka = image('franz-kafka.jpg');
    const items = [{ text: TEXTS[0]!, image: kafka }, { text: TEXTS[1]! }, { image: kafka }];
    const textRun = vi.spyOn(encoder.textSession, 'run');
    const imageRun = vi.spyOn(encoder.imageSession, 'run');
    try {
      const fused = await encoder.encodeItems(items);
      expect(textRun).toHaveBeenCalledTimes(1);
      expect(imageRun).toHaveBeenCalledTimes(1);
      const [t0, t1] = await encoder.encodeTexts([TEXTS[0]!, TEXTS[1]!]);
      const [i0] = await encoder.encodeImages([kafka]);
      const expected = [encoder.fuse(t0, i0), encoder.fuse(t1, undefined), encoder.fuse(undefined, i0)];
      fused.forEach((f, k) => {
        expect(f.length).toBe(encoder.dimension);
        expect(Math.sqrt(dot(f, f))).toBeCloseTo(1, 5);
        expect(maxAbsDiff(f, expected[k]!)).toBeLessThan(1e-6);
      });
      // Text-only item: zero image block; image-only item: zero text block.
      expect(fused[1]!.subarray(384).every((v) => v === 0)).toBe(true);
      expect(fused[2]!.subarray(0, 384).every((v) => v === 0)).toBe(true);
    } finally {
      textRun.mockRestore();
      imageRun.mockRestore();
    }
  });

  it('rejects bad items before running anything', async () => {
    const run = vi.spyOn(encoder.textSession, 'run');
    try {
      await expect(encoder.encodeItems([{ text: 'ok' }, {}])).rejects.toMatchObject({ code: 'empty-item' });
      await expect(encoder.encodeItems([{ text: 'ok' }, { text: '  ' }])).rejects.toMatchObject({ code: 'empty-text' });
      const broken: DecodedImage = { width: 4, height: 4, channels: 3, data: new Uint8Array(5) };
      await expect(encoder.encodeItems([{ text: 'ok', image: broken }])).rejects.toBeInstanceOf(EncoderInputError);
      expect(run).not.toHaveBeenCalled();
    } finally {
      run.mockRestore();
    }
  });

  it('cuda requested on a machine without the CUDA provider falls back to cpu with a warning', async () => {
    const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
    const cuda = await ItemEncoder.load({
      modelDir,
      executionProvider: 'cuda',
      intraOpThreads: 1,
      logger: { info: () => undefined, warn: (obj, msg) => warnings.push({ obj, msg }) },
    });
    try {
      expect(cuda).toMatchObject({ provider: 'cpu', requestedProvider: 'cuda', fellBack: true });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.obj).toMatchObject({ requestedProvider: 'cuda', provider: 'cpu' });
      const [v] = await cuda.encodeTexts([TEXTS[0]!]);
      const [w] = await encoder.encodeTexts([TEXTS[0]!]);
      expect(maxAbsDiff(v!, w!)).toBeLessThan(1e-5);
    } finally {
      await cuda.close();
    }
  });

  it('refuses a model file that does not match its manifest, and says what to run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'encoder-models-'));
    try {
      for (const f of ['manifest.json', 'text-encoder.onnx', 'image-encoder.onnx', 'tokenizer.json']) {
        copyFileSync(join(modelDir, f), join(dir, f));
      }
      writeFileSync(join(dir, 'tokenizer_config.json'), '{"tampered": true}');
      const load = ItemEncoder.load({ modelDir: dir, executionProvider: 'cpu', logger: quietLogger });
      await expect(load).rejects.toBeInstanceOf(EncoderSetupError);
      await expect(load).rejects.toMatchObject({ code: 'model-corrupt', message: expect.stringContaining('npm run setup:models') });
      rmSync(join(dir, 'manifest.json'));
      await expect(ItemEncoder.load({ modelDir: dir, executionProvider: 'cpu' })).rejects.toMatchObject({ code: 'models-missing' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
