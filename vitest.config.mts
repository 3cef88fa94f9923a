/**
 * One vitest config with three projects:
 *  - unit: `*.spec.ts` beside the code, no external services.
 *  - int:  `*.int-spec.ts`, against the real Kafka and Redis that `npm run infra:up` starts.
 *  - e2e:  `*.e2e-spec.ts`, driving whole processes over HTTP the way users do.
 * Aliases come from tsconfig.base.json so `@cohort/<lib>` resolves exactly as tsc sees it.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));
const base = JSON.parse(readFileSync(resolve(root, 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
const alias = Object.fromEntries(
  Object.entries(base.compilerOptions.paths).map(([name, [target]]) => [name, resolve(root, target)]),
);

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ['default'],
    projects: [
      {
        resolve: { alias },
        test: { name: 'unit', include: ['{apps,libs,tools}/**/*.spec.ts'], setupFiles: ['tools/test/unit.setup.ts'], testTimeout: 20_000 },
      },
      {
        resolve: { alias },
        test: {
          name: 'int',
          include: ['{apps,libs,tools}/**/*.int-spec.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['{apps,libs,tools}/**/*.e2e-spec.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
