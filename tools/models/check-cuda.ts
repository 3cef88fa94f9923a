/**
 * GPU-host check for the item encoder's CUDA path (docs/encoder.md, "CUDA"): loads the encoder
 * with `executionProvider: 'cuda'`, requires that it did NOT fall back, and compares its text,
 * image and fused embeddings with a CPU encoder on the same inputs (max abs diff printed; fails
 * above 1e-3, which allows for cuDNN/TF32 arithmetic). Also prints batch timings for both.
 *
 * usage: tsx tools/models/check-cuda.ts [modelDir]    exit 0 = CUDA used and outputs agree
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage, defaultModelDir, ItemEncoder, type EncoderLogger } from '@cohort/encoder';

const logger: EncoderLogger = {
  info: (obj, msg) => console.log(msg, JSON.stringify(obj)),
  warn: (obj, msg) => console.warn('WARN', msg, JSON.stringify(obj)),
};

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((v, i) => v.forEach((x, k) => (m = Math.max(m, Math.abs(x - b[i]![k]!)))));
  return m;
}

async function time<T>(fn: () => Promise<T>, runs: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return (performance.now() - t) / runs;
}

async function main(): Promise<void> {
  const modelDir = process.argv[2] ?? defaultModelDir();
  const images = ['franz-kafka.jpg', 'gray-28.png', 'rgba-60x40.png', 'rgb-224.png'].map((f) =>
    decodeImage(new Uint8Array(readFileSync(join(__dirname, '..', '..', 'libs', 'encoder', 'fixtures', 'images', f)))),
  );
  const texts = images.map((_, i) => `Item ${i}: soft cotton t-shirt, round neck, blue`);
  const items = images.map((image, i) => ({ text: texts[i]!, image }));

  const cuda = await ItemEncoder.load({ modelDir, executionProvider: 'cuda', logger });
  const cpu = await ItemEncoder.load({ modelDir, executionProvider: 'cpu', logger });
  try {
    console.log(JSON.stringify({ provider: cuda.provider, requested: cuda.requestedProvider, fellBack: cuda.fellBack, version: cuda.version }));
    if (cuda.fellBack) throw new Error('CUDA was requested but the encoder fell back to CPU: see the warning above');
    await cuda.warmUp();
    await cpu.warmUp();
    const diffs = {
      text: maxAbsDiff(await cuda.encodeTexts(texts), await cpu.encodeTexts(texts)),
      image: maxAbsDiff(await cuda.encodeImages(images), await cpu.encodeImages(images)),
      fused: maxAbsDiff(await cuda.encodeItems(items), await cpu.encodeItems(items)),
    };
    console.log('max abs diff cuda vs cpu', JSON.stringify(diffs));
    const batchTexts = Array.from({ length: 64 }, (_, i) => texts[i % texts.length]!);
    const batchImages = Array.from({ length: 64 }, (_, i) => images[i % images.length]!);
    for (const [name, enc] of [['cuda', cuda], ['cpu', cpu]] as const) {
      const t = await time(() => enc.encodeTexts(batchTexts), 5);
      const i = await time(() => enc.encodeImages(batchImages), 3);
      console.log(`${name}: 64 texts ${t.toFixed(1)} ms/batch, 64 images ${i.toFixed(1)} ms/batch`);
    }
    if (Object.values(diffs).some((d) => !(d <= 1e-3))) throw new Error('CUDA and CPU outputs differ by more than 1e-3');
    console.log('CUDA check passed');
  } finally {
    await cuda.close();
    await cpu.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
