/**
 * The model directory `tools/models/setup.sh` produces: `manifest.json` (names, pinned SHA-256s,
 * shapes) beside `text-encoder.onnx`, `image-encoder.onnx` and the tokenizer files.
 *
 * Invariant: a file is only handed to ONNX Runtime after its SHA-256 matched the manifest, so a
 * truncated copy or a file from another model version is refused with a message saying what to
 * run, never loaded.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { EncoderSetupError } from './encoder.error';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const modelManifestSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  files: z.object({
    'text-encoder.onnx': sha256Hex,
    'image-encoder.onnx': sha256Hex,
    'tokenizer.json': sha256Hex,
    'tokenizer_config.json': sha256Hex,
  }),
  text: z.object({ maxTokens: z.number().int().min(3), dimension: z.number().int().positive(), output: z.string() }),
  image: z.object({
    size: z.number().int().positive(),
    dimension: z.number().int().positive(),
    input: z.string(),
    output: z.string(),
  }),
});
export type ModelManifest = z.infer<typeof modelManifestSchema>;
export type ModelFile = keyof ModelManifest['files'];

const LOCK_PATH = join('tools', 'models', 'models.lock.json');
const SETUP_HINT = 'run `npm run setup:models` (tools/models/setup.sh) to produce the model files';

/** The repository root: the nearest ancestor of this file holding tools/models/models.lock.json. */
function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, LOCK_PATH))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new EncoderSetupError('models-missing', `no ${LOCK_PATH} above ${__dirname}; pass modelDir explicitly`);
    }
    dir = parent;
  }
}

/** Absolute path of `.cache/models/<pinned version>` under the repository root. */
export function defaultModelDir(): string {
  const root = repoRoot();
  const lock = JSON.parse(readFileSync(join(root, LOCK_PATH), 'utf8')) as { version?: unknown };
  if (typeof lock.version !== 'string' || lock.version.length === 0) {
    throw new EncoderSetupError('models-missing', `${LOCK_PATH} has no version`);
  }
  return join(root, '.cache', 'models', lock.version);
}

export function readManifest(modelDir: string): ModelManifest {
  const path = join(resolve(modelDir), 'manifest.json');
  if (!existsSync(path)) {
    throw new EncoderSetupError('models-missing', `no model manifest at ${path}: ${SETUP_HINT}`);
  }
  const parsed = modelManifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new EncoderSetupError('model-corrupt', `invalid model manifest ${path}: ${parsed.error.message}`);
  }
  return parsed.data;
}

/** Reads one model file and checks it against the manifest's SHA-256. */
export function readVerified(modelDir: string, manifest: ModelManifest, file: ModelFile): Buffer {
  const path = join(resolve(modelDir), file);
  if (!existsSync(path)) throw new EncoderSetupError('models-missing', `missing ${path}: ${SETUP_HINT}`);
  const bytes = readFileSync(path);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== manifest.files[file]) {
    throw new EncoderSetupError(
      'model-corrupt',
      `${path} has SHA-256 ${actual}, the manifest pins ${manifest.files[file]}: ${SETUP_HINT}`,
    );
  }
  return bytes;
}

/** `<name>@<first 8 hex of SHA-256 over the pinned file hashes>`, e.g. minilm-l6-v2+mobilenet-v2@1a2b3c4d. */
export function modelVersion(manifest: ModelManifest): string {
  const lines = Object.entries(manifest.files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, hash]) => `${file} ${hash}\n`)
    .join('');
  return `${manifest.name}@${createHash('sha256').update(lines).digest('hex').slice(0, 8)}`;
}
