/**
 * For specs that need the real models: the model directory, or a failure that says what to run.
 * Not exported from the library.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultModelDir } from './model-files';

export function requireModelDir(): string {
  const dir = defaultModelDir();
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new Error(`the encoder models are not in ${dir}: run \`npm run setup:models\` first (tools/models/setup.sh)`);
  }
  return dir;
}

export const quietLogger = { info: () => undefined, warn: () => undefined };
