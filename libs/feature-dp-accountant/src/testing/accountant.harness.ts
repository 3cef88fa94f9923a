/**
 * Test harness (not exported): dp-accountant as a real Nest app on an embedded broker and stores
 * the test owns, so a test can stop it and start another on the same broker with the same store
 * (a restart), a fresh store (Redis lost), or a store it tampers with.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { BlobStore } from '@cohort/blob-store';
import { type EmbeddedBroker, EmbeddedEventBus } from '@cohort/bus';
import { ModelVersion, PlanId, RoundId, UserId, type PayloadOf, type RoundCommitted } from '@cohort/contracts';
import { COHORT_NEST_APP_OPTIONS, CohortCommonModule, CohortInfrastructureModule, commonConfigSchema, parseConfig } from '@cohort/nest-common';
import type { CommitOptions, KeyValueStore, WriteOp } from '@cohort/state';
import { DpAccountantModule } from '../dp-accountant.module';
import type { DpAccountantOptions } from '../dp-accountant.options';
import { LedgerLifecycle } from '../ledger/ledger.lifecycle';

export const OPERATOR_KEY = 'test-operator-key-0123456789abcdef';
export const COMPLIANCE_KEY = 'test-compliance-key-0123456789abcd';
export const DEVICE_KEY = 'test-device-key-0123456789abcdefgh';

export const TEST_OPTIONS: DpAccountantOptions = {
  userEpsilonCap: 10,
  delta: 1e-6,
  planEpsilonCap: null,
  inlineUserIds: 1000,
  replayQuietMs: 30,
  appendTimeoutMs: 5_000,
};

/** A store that outlives the app using it (apps close their store on shutdown), and can lie on reads. */
export class SharedStore implements KeyValueStore {
  /** Rewrites what `listRange` returns (tampering with the stored ledger). */
  tamper: ((key: string, values: string[], start: number) => string[]) | undefined;
  /** Makes a commit fail (a crash, or Redis going away) when it returns true. */
  failCommit: ((ops: readonly WriteOp[]) => boolean) | undefined;

  constructor(readonly inner: KeyValueStore) {}

  get(key: string) { return this.inner.get(key); }
  set(key: string, value: string, options?: { ttlMs?: number; ifAbsent?: boolean }) { return this.inner.set(key, value, options); }
  delete(key: string) { return this.inner.delete(key); }
  incr(key: string) { return this.inner.incr(key); }
  incrWithTtl(key: string, ttlMs: number) { return this.inner.incrWithTtl(key, ttlMs); }
  hashGet(key: string, field: string) { return this.inner.hashGet(key, field); }
  hashGetMany(key: string, fields: readonly string[]) { return this.inner.hashGetMany(key, fields); }
  hashGetAll(key: string) { return this.inner.hashGetAll(key); }
  setMembers(key: string) { return this.inner.setMembers(key); }
  setIsMember(key: string, member: string) { return this.inner.setIsMember(key, member); }
  setSize(key: string) { return this.inner.setSize(key); }
  async listRange(key: string, start: number, stop: number) {
    const values = await this.inner.listRange(key, start, stop);
    return this.tamper === undefined ? values : this.tamper(key, values, start);
  }
  listLength(key: string) { return this.inner.listLength(key); }
  commit(ops: readonly WriteOp[], options?: CommitOptions) {
    if (this.failCommit?.(ops)) return Promise.reject(new Error('injected commit failure'));
    return this.inner.commit(ops, options);
  }
  ping() { return this.inner.ping(); }
  async close() {}
}

export interface RunningAccountant {
  readonly app: INestApplication;
  readonly url: string;
  readonly bus: EmbeddedEventBus;
  get<T>(token: abstract new (...args: never[]) => T): T;
  close(): Promise<void>;
}

export async function startAccountant(deps: { broker: EmbeddedBroker; store: KeyValueStore; blobs: BlobStore; options?: Partial<DpAccountantOptions> }): Promise<RunningAccountant> {
  const config = parseConfig(commonConfigSchema, {
    COHORT_API_KEYS: `${OPERATOR_KEY}=operator,${COMPLIANCE_KEY}=compliance,${DEVICE_KEY}=device`,
    COHORT_API_KEY: 'test-development-key-0123456789abc',
    LOG_LEVEL: 'silent',
  });
  const bus = new EmbeddedEventBus({ broker: deps.broker, producer: 'dp-accountant' });
  const moduleRef = await Test.createTestingModule({
    imports: [
      CohortCommonModule.forRoot({ service: 'dp-accountant', config, logDestination: { write: () => undefined }, defaultMetrics: false }),
      CohortInfrastructureModule.forRoot(config, {
        factories: { createEventBus: () => bus, createKeyValueStore: () => deps.store, createBlobStore: () => deps.blobs },
      }),
      DpAccountantModule.forRoot({ ...TEST_OPTIONS, ...deps.options }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ ...COHORT_NEST_APP_OPTIONS, logger: false });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  await app.get(LedgerLifecycle).whenReady();
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, bus, get: (token) => app.get(token), close: () => app.close() };
}

let roundCounter = 0;

export function committedRound(planId: string, eligible: readonly string[], overrides: Partial<{ roundId: string; roundNumber: number; samplingRate: number; noiseMultiplier: number }> = {}): PayloadOf<typeof RoundCommitted> {
  roundCounter++;
  const roundNumber = overrides.roundNumber ?? roundCounter;
  return {
    roundId: RoundId.parse(overrides.roundId ?? `r-${randomUUID()}`),
    planId: PlanId.parse(planId),
    roundNumber,
    modelVersion: ModelVersion.parse(`${planId}:v${roundNumber}`),
    mechanism: {
      kind: 'dp-fedavg-gaussian',
      samplingRate: overrides.samplingRate ?? 0.3,
      noiseMultiplier: overrides.noiseMultiplier ?? 1,
      clipNorm: 1,
      populationSize: Math.max(1, eligible.length),
    },
    cohortSize: Math.ceil(eligible.length * 0.3),
    eligibleUserIds: eligible.map((u) => UserId.parse(u)),
  };
}

export async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const users = (prefix: string, count: number, from = 0) => Array.from({ length: count }, (_, i) => `${prefix}-${String(from + i).padStart(4, '0')}`);
