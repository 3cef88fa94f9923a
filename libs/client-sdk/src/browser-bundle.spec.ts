/**
 * The SDK's browser build: esbuild bundles it for `platform: 'browser'` (any Node built-in, such
 * as `node:crypto`, fails the build), and the bundle runs in a context that has only what a
 * browser page has — WebCrypto's getRandomValues, fetch, TextEncoder, URL — with no `require`,
 * `process` or `Buffer`: it makes an identity and runs the device's first SecAgg+ step, and it
 * scores a catalog with the downloaded model exactly as the server does.
 */
import { webcrypto } from 'node:crypto';
import { resolve } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CatalogRanker, TwoTowerModel, catalogItemInputs, seededRandom, twoTowerLayout } from '@cohort/ml';

const ROOT = resolve(__dirname, '../../..');

async function browserBundle(entry: string): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: resolve(ROOT, 'libs/client-sdk/src'), loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'sdk',
    target: 'es2022',
    tsconfig: resolve(ROOT, 'tsconfig.base.json'),
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('client SDK browser build', () => {
  it('bundles for the browser and runs with browser globals only', async () => {
    const code = await browserBundle(`
      export * from './index';
      export { SecAggClient, createSecAggParams, createNobleCryptoSuite } from '@cohort/secagg';
    `);
    expect(code).not.toMatch(/require\(["']node:/);
    const page = createContext({ crypto: { getRandomValues: (a: Uint8Array) => webcrypto.getRandomValues(a) }, fetch, TextEncoder, TextDecoder, URL, AbortSignal });
    runInContext(code, page);
    const result = runInContext(`
      const suite = sdk.createNobleCryptoSuite();
      const identity = sdk.createDeviceIdentity(suite);
      const params = sdk.createSecAggParams({ clients: 5, dimension: 8, modulusBits: 32, clipRange: 1, scale: 1024, degree: 4, threshold: 3 });
      const client = sdk.SecAggClient.create({ params, roundId: 'r-browser', clientId: 'c-browser', identitySecretKey: identity.secretKey, suite });
      const advert = client.advertiseKeys();
      ({ publicKey: identity.publicKeyBase64, keys: [advert.encryptionPublicKey.length, advert.maskPublicKey.length, advert.signature.length], stage: client.stage });
    `, page) as { publicKey: string; keys: number[]; stage: string };
    expect(result.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(result.keys).toEqual([32, 32, 64]);
    expect(result.stage).toBe('ShareKeys');
  });

  it('scores a catalog in the browser bundle as the server does (parity ≤ 1e-6)', async () => {
    const code = await browserBundle(`export * from './index';`);
    const config = { contentDim: 6, idBuckets: 32, embeddingDim: 8, hiddenDim: 5, poolingDecay: 0.9, recencyDecay: 0.7 };
    const layout = twoTowerLayout(config);
    const random = seededRandom(12);
    const params = Float32Array.from({ length: layout.size }, () => random() - 0.5);
    const itemIds = Array.from({ length: 40 }, (_, i) => `item-${i}`);
    const content = Float32Array.from({ length: 40 * 6 }, () => random() * 2 - 1);
    const orders = [[1, 2, 3], [2, 7], [30, 2, 9]];
    // The server's path: recommendation-serving ranks with @cohort/ml's CatalogRanker in Node.
    const server = new CatalogRanker(new TwoTowerModel(layout), params, catalogItemInputs(config, itemIds, content)).scoreCatalog(orders, null);
    const page = createContext({ crypto: { getRandomValues: (a: Uint8Array) => webcrypto.getRandomValues(a) }, fetch, TextEncoder, TextDecoder, URL, AbortSignal });
    runInContext(code, page);
    page.input = { config, params: Array.from(params), itemIds, content: Array.from(content), orders };
    const browser = runInContext(`
      const training = { epochs: 1, learningRate: 0.1, negatives: 4, loss: 'bpr', reconstructionEpochs: 0, privateLearningRate: 0.1, privateL2: 0, maxExamplesPerEpoch: 4 };
      const model = new sdk.OnDeviceModel({ modelVersion: 'v', config: input.config, training, itemIds: input.itemIds, params: Float32Array.from(input.params), content: Float32Array.from(input.content) });
      Array.from(model.scoreCatalog(input.orders, null));
    `, page) as number[];
    expect(browser).toHaveLength(40);
    const worst = Math.max(...browser.map((score, i) => Math.abs(score - server[i]!)));
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('fails the build when browser code imports a Node built-in', async () => {
    await expect(browserBundle(`import { createHash } from 'node:crypto'; export const h = createHash;`)).rejects.toThrow(/node:crypto/);
  });
});
