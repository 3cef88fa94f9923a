/**
 * Test support (not exported from index.ts): secure-aggregator as a real Nest app on an ephemeral
 * port — the module, the API-key guard, problem+json, the raw-body route — on a given store and
 * bus; devices with registered identity keys; a RoundOpened as the scheduler publishes it; and the
 * round's outcome as the bus carries it.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { MemoryBlobStore, type BlobStore } from '@cohort/blob-store';
import type { EventBus } from '@cohort/bus';
import { createDeviceIdentity, SecureAggregationParticipant, type DeviceIdentity, type ParticipationResult } from '@cohort/client-sdk';
import {
  AggregateReady, AggregationAborted, ClientId, ClientRegistered, ModelVersion, PlanId, RoundId, RoundOpened, UserId,
  type PayloadOf, type TrainingTask,
} from '@cohort/contracts';
import { CohortCommonModule, CohortInfrastructureModule, COHORT_NEST_APP_OPTIONS, commonConfigSchema, parseConfig } from '@cohort/nest-common';
import type { ProtocolStage } from '@cohort/secagg';
import type { KeyValueStore } from '@cohort/state';
import { BINARY_ROUTES } from './secagg.controller';
import type { SecAggOptions } from './secagg.options';
import { SecureAggregatorModule } from '../secure-aggregator.module';

export const DEVICE_KEY = 'device-key-0123456789abcdefghijklm';

export const FAST_OPTIONS: SecAggOptions = {
  stageTimeoutMs: 3_000,
  deadlineSweepMs: 50,
  maxGroupSize: 1_000,
  corruptFraction: 0.05,
  dropoutFraction: 0.1,
  replicaUrls: [],
  replicaIndex: 0,
  takeoverGraceMs: 500,
};

export interface Aggregator {
  readonly app: NestExpressApplication;
  readonly url: string;
  close(): Promise<void>;
}

export async function startAggregator(deps: { store: KeyValueStore; bus: EventBus; blobs?: BlobStore; options?: Partial<SecAggOptions>; port?: number }): Promise<Aggregator> {
  const config = parseConfig(commonConfigSchema, { COHORT_API_KEYS: `${DEVICE_KEY}=device`, COHORT_API_KEY: 'dev-key-0123456789abcdefghijklmnopq', LOG_LEVEL: 'silent' });
  const blobs = deps.blobs ?? new MemoryBlobStore();
  const moduleRef = await Test.createTestingModule({
    imports: [
      CohortCommonModule.forRoot({ service: 'secure-aggregator', config, http: { rawBody: { routes: BINARY_ROUTES } }, logDestination: { write: () => undefined }, defaultMetrics: false }),
      CohortInfrastructureModule.forRoot(config, { factories: { createEventBus: () => deps.bus, createKeyValueStore: () => deps.store, createBlobStore: () => blobs } }),
      SecureAggregatorModule.forRoot({ ...FAST_OPTIONS, ...deps.options }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ ...COHORT_NEST_APP_OPTIONS, logger: false });
  await app.listen(deps.port ?? 0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}

export interface Device {
  readonly clientId: ClientId;
  readonly identity: DeviceIdentity;
}

/** Devices as client-registry announces them (identity key included). */
export async function registerDevices(bus: EventBus, count: number, prefix = 'd'): Promise<Device[]> {
  const devices: Device[] = [];
  for (let i = 0; i < count; i++) {
    const identity = createDeviceIdentity();
    const clientId = ClientId.parse(`c-${prefix}-${String(i).padStart(3, '0')}`);
    await bus.publish(ClientRegistered, {
      clientId,
      userId: UserId.parse(`u-${prefix}-${i}`),
      capabilities: { accelerator: 'cpu', memoryMb: 1024, network: 'wifi' },
      trainingConsent: true,
      identityKey: identity.publicKeyBase64,
      registeredAt: new Date().toISOString(),
    });
    devices.push({ clientId, identity });
  }
  return devices;
}

export interface OpenedRound {
  readonly payload: PayloadOf<typeof RoundOpened>;
  readonly task: TrainingTask;
}

export async function openRound(bus: EventBus, cohort: readonly ClientId[], options: { dimension: number; noiseMultiplier?: number; clipNorm?: number; minSurvivors?: number; roundId?: string }): Promise<OpenedRound> {
  const roundId = RoundId.parse(options.roundId ?? `r-${Math.random().toString(36).slice(2, 10)}`);
  const mechanism = { kind: 'dp-fedavg-gaussian' as const, samplingRate: 0.5, noiseMultiplier: options.noiseMultiplier ?? 0, clipNorm: options.clipNorm ?? 1, populationSize: cohort.length * 2 };
  const payload: PayloadOf<typeof RoundOpened> = {
    roundId,
    planId: PlanId.parse('plan-secagg-test'),
    roundNumber: 1,
    baseModelVersion: ModelVersion.parse('plan-secagg-test:v0'),
    dimension: options.dimension,
    mechanism,
    cohort: [...cohort],
    expectedCohortSize: cohort.length,
    minSurvivors: options.minSurvivors ?? 2,
    aggregation: 'secagg-plus',
    localLearningRate: 1,
    uploadDeadline: new Date(Date.now() + 60_000).toISOString(),
  };
  await bus.publish(RoundOpened, payload);
  const task: TrainingTask = {
    roundId,
    planId: payload.planId,
    baseModelVersion: payload.baseModelVersion,
    modelPath: '/v1/models/unused/artifact',
    uploadPath: `/v1/rounds/${roundId}/secagg`,
    mechanism,
    localLearningRate: 1,
    aggregation: 'secagg-plus',
    uploadDeadline: payload.uploadDeadline,
  };
  return { payload, task };
}

export type Outcome = { readonly ready: PayloadOf<typeof AggregateReady> } | { readonly aborted: PayloadOf<typeof AggregationAborted> };

/** Resolves with the first AggregateReady or AggregationAborted of `roundId`. */
export async function outcomeOf(bus: EventBus, roundId: RoundId, group: string): Promise<() => Promise<Outcome>> {
  let resolve!: (outcome: Outcome) => void;
  const settled = new Promise<Outcome>((r) => (resolve = r));
  await bus.subscribe(AggregateReady, async ({ payload }) => void (payload.roundId === roundId && resolve({ ready: payload })), { group: `${group}.ready`, policy: 'retry-then-dlq' });
  await bus.subscribe(AggregationAborted, async ({ payload }) => void (payload.roundId === roundId && resolve({ aborted: payload })), { group: `${group}.aborted`, policy: 'retry-then-dlq' });
  return () => settled;
}

/** A clipped update (norm ≤ 1 for dimension ≤ 2 600) whose every coordinate is a multiple of 2^-10: quantization is exact. */
export function exactUpdate(dimension: number, seed: number): Float32Array {
  return Float32Array.from({ length: dimension }, (_, i) => ((((seed * 7919 + i * 104_729) % 41) - 20) / 1024));
}

export function participate(url: string, device: Device, task: TrainingTask, update: Float32Array | (() => Promise<Float32Array>), dropBefore?: ProtocolStage): Promise<ParticipationResult> {
  return new SecureAggregationParticipant({
    aggregatorUrl: url,
    apiKey: DEVICE_KEY,
    clientId: device.clientId,
    identitySecretKey: device.identity.secretKey,
    ...(dropBefore === undefined ? {} : { dropBefore }),
  }).contribute(task, update);
}

export async function readSum(blobs: BlobStore, ready: PayloadOf<typeof AggregateReady>): Promise<Float32Array> {
  const bytes = await blobs.get(ready.sum);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
