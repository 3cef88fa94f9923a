/**
 * Provides the three infrastructure ports to every module (global): EVENT_BUS, KEY_VALUE_STORE
 * and BLOB_STORE, built from the app's config by the adapters' own factories.
 *
 *   standalone  → embedded bus, in-memory store, blob store in a directory (COHORT_BLOB_ROOT)
 *   distributed → Kafka (KAFKA_BROKERS), Redis (REDIS_URL), blob store in a directory
 *
 * Invariants:
 * - the bus is started before any feature module's `onModuleInit` (global modules initialise
 *   first) and closed after every feature module's `onApplicationShutdown` (they close first),
 *   then the store: in-flight handlers finish and commit before their state goes away;
 * - in distributed mode Kafka (`bus.isHealthy()`) and Redis (`store.ping()`) are readiness checks;
 * - Redis keys are namespaced per service (`cohort:<service>:`), so services sharing a Redis
 *   server cannot read or clobber each other's state.
 * Requires CohortCommonModule (for the service name, log destination and ReadinessRegistry).
 */
import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BLOB_STORE, type BlobStore, type BlobStoreConfig, createBlobStore } from '@cohort/blob-store';
import { type BusLogger, createEventBus, EVENT_BUS, type EventBus, type EventBusConfig } from '@cohort/bus';
import { createKeyValueStore, KEY_VALUE_STORE, type KeyValueStore, type KeyValueStoreConfig } from '@cohort/state';
import { COHORT_COMMON_OPTIONS, type CohortCommonOptions } from '../common/cohort-common.options';
import type { CommonConfig } from '../config/common-config.schema';
import { ReadinessRegistry } from '../health/readiness.registry';
import { createLogger } from '../logging/logger.factory';

export type InfrastructureConfig = Pick<CommonConfig, 'COHORT_MODE' | 'KAFKA_BROKERS' | 'REDIS_URL' | 'COHORT_BLOB_ROOT' | 'LOG_LEVEL'>;

/** The adapters' factories; tests replace them with fakes. */
export interface InfrastructureFactories {
  readonly createEventBus: (config: EventBusConfig) => EventBus;
  readonly createKeyValueStore: (config: KeyValueStoreConfig) => KeyValueStore | Promise<KeyValueStore>;
  readonly createBlobStore: (config: BlobStoreConfig) => BlobStore;
}

export interface CohortInfrastructureOptions {
  /** 'memory' keeps blobs in memory (tests); default 'fs' under COHORT_BLOB_ROOT, in both modes. */
  readonly blobStore?: 'fs' | 'memory';
  /** Redis key prefix; default `cohort:<service>:`. */
  readonly keyPrefix?: string;
  /** Where the bus logs; default the service's log format and destination with `component: 'bus'`. */
  readonly busLogger?: BusLogger;
  readonly factories?: Partial<InfrastructureFactories>;
}

const INFRASTRUCTURE_SETTINGS = Symbol.for('cohort.InfrastructureSettings');
const INFRASTRUCTURE_CONFIGS = Symbol.for('cohort.InfrastructureConfigs');

interface InfrastructureSettings {
  readonly config: InfrastructureConfig;
  readonly options: CohortInfrastructureOptions;
  readonly factories: InfrastructureFactories;
}

/** The configs the factories receive, by mode (exported for tests and docs). */
export function infrastructureConfigs(
  config: InfrastructureConfig,
  service: string,
  options: CohortInfrastructureOptions,
  logger: BusLogger,
): { bus: EventBusConfig; store: KeyValueStoreConfig; blobs: BlobStoreConfig } {
  const distributed = config.COHORT_MODE === 'distributed';
  const bus: EventBusConfig = distributed
    ? { kind: 'kafka', brokers: config.KAFKA_BROKERS, clientId: service, producer: service, logger }
    : { kind: 'embedded', producer: service, logger };
  const store: KeyValueStoreConfig = distributed
    ? { kind: 'redis', url: config.REDIS_URL, keyPrefix: options.keyPrefix ?? `cohort:${service}:` }
    : { kind: 'memory' };
  const blobs: BlobStoreConfig = options.blobStore === 'memory' ? { kind: 'memory' } : { kind: 'fs', root: config.COHORT_BLOB_ROOT };
  return { bus, store, blobs };
}

type InfraConfigs = ReturnType<typeof infrastructureConfigs>;

@Injectable()
export class InfrastructureLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(INFRASTRUCTURE_SETTINGS) private readonly settings: InfrastructureSettings,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.start();
    if (this.settings.config.COHORT_MODE === 'distributed') {
      this.readiness.register('kafka', () => this.bus.isHealthy());
      this.readiness.register('redis', () => this.store.ping());
    }
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.bus.close();
    } finally {
      await this.store.close();
    }
  }
}

@Global()
@Module({})
export class CohortInfrastructureModule {
  static forRoot(config: InfrastructureConfig, options: CohortInfrastructureOptions = {}): DynamicModule {
    const settings: InfrastructureSettings = {
      config,
      options,
      factories: { createEventBus, createKeyValueStore, createBlobStore, ...options.factories },
    };
    return {
      module: CohortInfrastructureModule,
      providers: [
        { provide: INFRASTRUCTURE_SETTINGS, useValue: settings },
        {
          provide: INFRASTRUCTURE_CONFIGS,
          useFactory: (common: CohortCommonOptions) => {
            const busLogger =
              options.busLogger ??
              createLogger(common.service, { level: config.LOG_LEVEL, destination: common.logDestination }).child({ component: 'bus' });
            return infrastructureConfigs(config, common.service, options, busLogger);
          },
          inject: [COHORT_COMMON_OPTIONS],
        },
        { provide: EVENT_BUS, useFactory: (c: InfraConfigs) => settings.factories.createEventBus(c.bus), inject: [INFRASTRUCTURE_CONFIGS] },
        { provide: KEY_VALUE_STORE, useFactory: (c: InfraConfigs) => settings.factories.createKeyValueStore(c.store), inject: [INFRASTRUCTURE_CONFIGS] },
        { provide: BLOB_STORE, useFactory: (c: InfraConfigs) => settings.factories.createBlobStore(c.blobs), inject: [INFRASTRUCTURE_CONFIGS] },
        InfrastructureLifecycle,
      ],
      exports: [EVENT_BUS, KEY_VALUE_STORE, BLOB_STORE],
    };
  }
}
