// Lint enforces the dependency direction of STYLE.md:
//   apps -> feature libs -> nest/infra libs -> domain libs.
// Domain libs (contracts, secagg, dp, ml) import no framework and no I/O.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const frameworkAndIo = [
  '@nestjs/*', 'express', 'kafkajs', 'ioredis', 'pino', 'pino-*', 'nestjs-pino',
  'prom-client', '@opentelemetry/sdk-*', 'onnxruntime-node',
];
const nodeIo = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http',
  'https', 'node:https', 'child_process', 'node:child_process', 'dgram', 'node:dgram'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.cache/**', '.nx/**', '.data/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js', '**/*.cjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', {
        enforceBuildableLibDependency: false,
        allow: [],
        depConstraints: [
          { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: frameworkAndIo },
          { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:domain', 'type:infra'] },
          { sourceTag: 'type:nest', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:nest'] },
          { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:nest', 'type:sdk'] },
          { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: ['type:domain', 'type:sdk'] },
          { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:nest', 'type:sdk', 'type:feature', 'type:testing'] },
          { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:nest', 'type:sdk', 'type:feature', 'type:testing'] },
        ],
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['libs/{contracts,secagg,dp,ml}/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeIo.map((name) => ({ name, message: 'Domain libs do no I/O: take a port instead.' })) }],
      'no-restricted-globals': ['error', { name: 'process', message: 'Domain libs read no environment.' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
