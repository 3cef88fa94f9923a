/**
 * Extracts nsfwjs's MobileNetV2 (a Keras layers model shipped as TF.js JSON + base64 weight shard
 * inside the npm package) into plain files a converter can read:
 *   <out>/model.json        the Keras topology (modelTopology.model_config)
 *   <out>/weights.json      [{ name, shape, offset, length }] in float32 elements
 *   <out>/weights.f32.bin   the weights, dequantized by TF.js's own `io.decodeWeights`
 * Using TF.js to dequantize (uint8 → float32) keeps the converted ONNX weights bit-identical to the
 * weights TF.js itself runs, which the parity fixture relies on.
 *
 * Usage: tsx tools/models/extract-nsfwjs.ts <outDir>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';

interface WeightSpec { name: string; shape: number[]; dtype: string }
interface ModelJson {
  modelTopology: { model_config: unknown };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: extract-nsfwjs.ts <outDir>');
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });

  // The model files are not in nsfwjs's `exports` map: locate them from its main entry.
  const req = createRequire(__filename);
  const modelsDir = join(dirname(req.resolve('nsfwjs')), '..', 'models', 'mobilenet_v2');
  const modelJson = req(join(modelsDir, 'model.min.js')) as ModelJson;
  const shard = req(join(modelsDir, 'group1-shard1of1.min.js')) as string;
  if (modelJson.weightsManifest.length !== 1 || modelJson.weightsManifest[0]?.paths.length !== 1) {
    throw new Error('unexpected nsfwjs MobileNetV2 layout: expected one weight group with one shard');
  }
  const specs = modelJson.weightsManifest[0].weights;
  const bytes = Buffer.from(shard, 'base64');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const tensors = tf.io.decodeWeights(buffer, specs as tf.io.WeightsManifestEntry[]);

  const index: { name: string; shape: number[]; offset: number; length: number }[] = [];
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    const t = tensors[spec.name];
    if (!t) throw new Error(`weight ${spec.name} missing after decode`);
    const values = t.dataSync() as Float32Array;
    index.push({ name: spec.name, shape: spec.shape, offset, length: values.length });
    parts.push(values);
    offset += values.length;
  }
  const all = new Float32Array(offset);
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }

  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson.modelTopology.model_config));
  writeFileSync(join(dir, 'weights.json'), JSON.stringify(index));
  writeFileSync(join(dir, 'weights.f32.bin'), Buffer.from(all.buffer, all.byteOffset, all.byteLength));
  console.log(`extracted ${index.length} weights (${offset} floats) to ${dir}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
