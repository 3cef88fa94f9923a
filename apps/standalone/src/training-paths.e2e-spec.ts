/**
 * The two ways Cohort trains, checked against each other and on the wire, in standalone mode:
 * - the utility simulation path (`simulateRound`: the same SDK training, clipping, quantization
 *   and noise, without the SecAgg+ cryptography) releases the same aggregate as a real round
 *   through the services, up to quantization: the real round's aggregator adds its CSPRNG
 *   Gaussian noise (z = 1) through a source that also records it, and the released sum minus that
 *   noise equals the simulated sum without noise;
 * - no request a device sends carries its private per-user vector (federated reconstruction keeps
 *   it on the device), checked on every request body the devices' fetch sent.
 */
import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOB_STORE, type BlobStore } from '@cohort/blob-store';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { DeviceClient, DeviceTrainer, type DeviceOrder } from '@cohort/client-sdk';
import { AggregateReady, PlanId, type PayloadOf } from '@cohort/contracts';
import { GaussianSampler } from '@cohort/dp';
import { LocalAttestationIssuer } from '@cohort/feature-client-registry';
import type { NoiseSource } from '@cohort/feature-secure-aggregator';
import { enrolPopulation, OperatorClient, runRound, simulateRound, syntheticPartitions, type VirtualDevice } from '@cohort/feature-device-simulator';
import { seededRandom, syntheticCatalog } from '@cohort/ml';
import { bootstrapService, parseConfig } from '@cohort/nest-common';
import { quantizationScale } from '@cohort/secagg';
import { StandaloneModule } from './app.module';
import { StandaloneConfig } from './standalone.config';

const apiKey = 'training-paths-e2e-development-key-001';
const CLIP = 0.5;

/** The aggregator's sampler, also keeping the total it added per coordinate (test only). */
class RecordingNoise implements NoiseSource {
  private readonly sampler = new GaussianSampler();
  added: Float64Array | null = null;

  addNoise(values: Float64Array, stddev: number): void {
    const before = Float64Array.from(values);
    this.sampler.addNoise(values, stddev);
    this.added ??= new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) this.added[i] += values[i]! - before[i]!;
  }
}

interface SentBody {
  readonly url: string;
  readonly bytes: Uint8Array;
}

/** Every occurrence check a test makes on the wire: the vector's first two floats as bytes, or its first entry as text. */
function carries(body: SentBody, vector: Float32Array): boolean {
  const needle = new Uint8Array(vector.buffer, vector.byteOffset, 8);
  const { bytes } = body;
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return true;
  }
  const text = new TextDecoder().decode(bytes);
  return [String(vector[0]), vector[0]!.toPrecision(6)].some((form) => text.includes(form));
}

describe('training paths (standalone)', () => {
  let app: NestExpressApplication;
  let baseUrl: string;
  let devices: VirtualDevice[];
  let partitions: DeviceOrder[][];
  const sent: SentBody[] = [];
  const released: Array<PayloadOf<typeof AggregateReady>> = [];
  const realFetch = globalThis.fetch;
  const noise = new RecordingNoise();

  beforeAll(async () => {
    const config = parseConfig(StandaloneConfig, {
      PORT: '0', COHORT_API_KEY: apiKey, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', COHORT_POPULATION: 'synthetic', COHORT_CATALOG_ITEMS: '50',
      COHORT_SAMPLING_RATE: '1', COHORT_NOISE_MULTIPLIER: '1', COHORT_CLIP_NORM: String(CLIP), COHORT_MIN_SURVIVORS: '3',
      COHORT_MODEL_ID_BUCKETS: '64', COHORT_MODEL_EMBEDDING_DIM: '8', COHORT_MODEL_HIDDEN_DIM: '8',
    });
    app = await bootstrapService({ service: 'cohort-standalone', module: StandaloneModule.forRoot(config, undefined, noise), config, shutdownSignals: [], exitOnFailure: false });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    await app.get<EventBus>(EVENT_BUS).subscribe(AggregateReady, async ({ payload }) => void released.push(payload), { group: 'test.released', policy: 'retry-then-dlq' });
    // The devices' wire: every request body they send, as bytes.
    globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const body = init?.body;
      const bytes = body === undefined || body === null ? new Uint8Array(0) : typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body as ArrayBuffer);
      sent.push({ url: String(input), bytes });
      return realFetch(input, init);
    };
    const urls = { clientRegistry: baseUrl, roundScheduler: baseUrl, secureAggregator: baseUrl, modelRegistry: baseUrl };
    partitions = syntheticPartitions(syntheticCatalog(50, 5), 8, 6, 21);
    devices = await enrolPopulation({
      urls, deviceApiKey: apiKey, attest: (identityKey) => app.get(LocalAttestationIssuer).mint(identityKey), partitions,
      behaviour: { dropoutRate: 0, maxStragglerMs: 0 }, seed: 5, concurrency: 4,
    });
  });

  afterAll(async () => {
    globalThis.fetch = realFetch;
    await app?.close();
  });

  it('releases the same aggregate through SecAgg+ as through the simulation path, up to quantization', async () => {
    // Fresh trainers with the devices' own data and seeds: the same updates as the round's.
    const twins = devices.map((device, i) => new DeviceTrainer(partitions[i]!, { random: seededRandom(device.seed) }));
    const { round } = await runRound(devices, new OperatorClient(baseUrl, apiKey), PlanId.parse('plan-default'), { concurrency: 4, timeoutMs: 30_000 });
    expect({ state: round.state, cohort: round.cohortSize }).toEqual({ state: 'committed', cohort: 8 });
    for (let i = 0; i < 100 && released.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const bytes = await app.get<BlobStore>(BLOB_STORE).get(released[0]!.sum);
    const real = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

    const model = await new DeviceClient({ clientRegistry: baseUrl, roundScheduler: baseUrl, secureAggregator: baseUrl, modelRegistry: baseUrl }, apiKey)
      .fetchModel({ modelPath: '/v1/models/plan-default:v0/artifact', localLearningRate: 0.2 });
    const simulated = simulateRound({
      devices: twins, model, mechanism: { samplingRate: 1, noiseMultiplier: 0, clipNorm: CLIP },
      random: () => 0, rounding: Math.random, noise: new GaussianSampler(),
    });
    expect(simulated.contributors).toBe(8);
    expect(real).toHaveLength(simulated.noisedSum.length);
    const added = noise.added!;
    expect(added).toHaveLength(real.length);
    // The noise really was N(0, (zC)²): mean ≈ 0 and variance ≈ 0.25 over the d coordinates.
    let mean = 0;
    for (const x of added) mean += x / added.length;
    let variance = 0;
    for (const x of added) variance += (x - mean) ** 2 / added.length;
    expect(Math.abs(mean)).toBeLessThan((6 * CLIP) / Math.sqrt(added.length));
    expect(Math.abs(variance / CLIP ** 2 - 1)).toBeLessThan(6 * Math.sqrt(2 / added.length));
    // Released − noise = the simulated sum, up to each of 8 devices' rounding (< 1/s per coordinate, in each path)
    // and the release's float32 rounding.
    const step = 1 / quantizationScale(8, CLIP);
    let worst = 0;
    let norm = 0;
    for (let i = 0; i < real.length; i++) {
      const signal = real[i]! - added[i]!;
      worst = Math.max(worst, Math.abs(signal - simulated.noisedSum[i]!) - 1e-6 * Math.abs(real[i]!));
      norm += simulated.noisedSum[i]! ** 2;
    }
    expect(Math.sqrt(norm)).toBeGreaterThan(0.1); // the devices did learn something
    expect(worst).toBeLessThanOrEqual(2 * 8 * step + 1e-6);
  });

  it('never sends a device\'s private vector in any request body', async () => {
    const model = await new DeviceClient({ clientRegistry: baseUrl, roundScheduler: baseUrl, secureAggregator: baseUrl, modelRegistry: baseUrl }, apiKey)
      .fetchModel({ modelPath: '/v1/models/plan-default:v0/artifact', localLearningRate: 0.2 });
    const vectors = devices.map((device) => device.trainer.privateVectorOf(model)).filter((v): v is Float32Array => v !== undefined);
    expect(vectors).toHaveLength(8);
    for (const vector of vectors) expect(vector.some((x) => x !== 0)).toBe(true);
    expect(sent.filter((b) => b.url.endsWith('/masked-input'))).toHaveLength(8);
    // The check can see a vector where one is: a body that carries it is caught.
    expect(carries({ url: 'control', bytes: new Uint8Array(vectors[0]!.buffer.slice(0)) }, vectors[0]!)).toBe(true);
    for (const vector of vectors) {
      const leaks = sent.filter((body) => carries(body, vector)).map((body) => body.url);
      expect(leaks).toEqual([]);
    }
  });
});
