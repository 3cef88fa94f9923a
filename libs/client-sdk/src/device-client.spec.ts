import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { initTwoTowerParameters, twoTowerLayout } from '@cohort/ml';
import { DeviceClient, DeviceModelError } from './device-client';

const config = { contentDim: 0, idBuckets: 8, embeddingDim: 2, hiddenDim: 2, poolingDecay: 0.9, recencyDecay: 0.7 };
const training = { epochs: 1, learningRate: 0.1, negatives: 2, loss: 'bpr' as const, reconstructionEpochs: 0, privateLearningRate: 0.1, privateL2: 0, maxExamplesPerEpoch: 2 };
const params = initTwoTowerParameters(twoTowerLayout(config), 4);
const bytes = new Uint8Array(params.buffer.slice(0));
const base = 'http://registry.test';
const urls = { clientRegistry: base, roundScheduler: base, secureAggregator: base, modelRegistry: base };
const realFetch = globalThis.fetch;

/** model-registry as the device sees it: the manifest, and the parameter bytes it names (possibly altered on the way). */
function serve(served: Uint8Array, sha256 = createHash('sha256').update(bytes).digest('hex')) {
  const manifest = {
    format: 'two-tower-v1', modelVersion: 'plan:v1', planId: 'plan', config, training, itemIds: ['a', 'b', 'c'],
    dimension: params.length, parameters: { path: '/v1/models/plan%3Av1/parameters', bytes: bytes.length, sha256 }, content: null,
  };
  globalThis.fetch = async (input: string | URL | Request) =>
    String(input).endsWith('/artifact') ? new Response(JSON.stringify(manifest)) : new Response(served.slice().buffer);
}

describe('DeviceClient.fetchModel', () => {
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('trains on what the manifest names, with the round\'s learning rate', async () => {
    serve(bytes);
    const model = await new DeviceClient(urls, 'k'.repeat(32)).fetchModel({ modelPath: '/v1/models/plan%3Av1/artifact', localLearningRate: 0.7 });
    expect(model.params).toEqual(params);
    expect(model.training.learningRate).toBe(0.7);
    expect(model.itemIds).toEqual(['a', 'b', 'c']);
  });

  it('refuses parameters that do not match the manifest\'s SHA-256 or length', async () => {
    const altered = bytes.slice();
    altered[5] ^= 1;
    serve(altered);
    await expect(new DeviceClient(urls, 'k'.repeat(32)).fetchModel({ modelPath: '/v1/models/plan%3Av1/artifact', localLearningRate: 0.1 })).rejects.toBeInstanceOf(DeviceModelError);
    serve(bytes.subarray(0, bytes.length - 4));
    await expect(new DeviceClient(urls, 'k'.repeat(32)).fetchModel({ modelPath: '/v1/models/plan%3Av1/artifact', localLearningRate: 0.1 })).rejects.toThrow(/do not match the manifest/);
  });
});
