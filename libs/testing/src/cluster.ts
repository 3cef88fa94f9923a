/**
 * Cohort in distributed mode on this machine: every service its own process against the real
 * Kafka broker and Redis server, with generated API keys per role and an attestation issuer of
 * its own, which client-registry is configured to trust (`attestation.mint(identityKey)` gives a
 * device its enrolment token). Used by the distributed end-to-end tests and by `npm run dev:distributed`.
 */
import { randomBytes } from 'node:crypto';
import { LocalAttestationIssuer } from '@cohort/feature-client-registry';
import { ServiceProcess } from './service-process';

/** The `iss` of the cluster's attestation issuer, and the audience client-registry expects by default. */
export const CLUSTER_ATTESTATION_ISSUER = 'cohort-cluster-attestation';
export const CLUSTER_ATTESTATION_AUDIENCE = 'cohort-client-registry';

export const SERVICES = [
  { name: 'client-registry', port: 8081 },
  { name: 'round-scheduler', port: 8082 },
  { name: 'secure-aggregator', port: 8083 },
  { name: 'dp-accountant', port: 8084 },
  { name: 'model-registry', port: 8085 },
  { name: 'recommendation-serving', port: 8086 },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];

export interface ClusterKeys {
  readonly device: string;
  readonly operator: string;
  readonly commerce: string;
  readonly compliance: string;
}

export interface ClusterOptions {
  /** What every service inherits (typically the caller's PATH and HOME); the cluster adds the rest. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Added to every service's port, so a test cluster does not collide with a dev one. */
  readonly portOffset?: number;
  readonly kafkaBrokers?: string;
  readonly redisUrl?: string;
  readonly blobRoot: string;
  /** Extra environment for every service (plan settings, log level, ...). */
  readonly env?: Readonly<Record<string, string>>;
  readonly echo?: boolean;
}

export class DistributedCluster {
  readonly keys: ClusterKeys = {
    device: randomBytes(24).toString('base64url'),
    operator: randomBytes(24).toString('base64url'),
    commerce: randomBytes(24).toString('base64url'),
    compliance: randomBytes(24).toString('base64url'),
  };
  /** Signs the devices' attestation tokens; its public key is in client-registry's COHORT_ATTESTATION_ISSUERS. */
  readonly attestation = new LocalAttestationIssuer({ issuer: CLUSTER_ATTESTATION_ISSUER, audience: CLUSTER_ATTESTATION_AUDIENCE });
  readonly services: ReadonlyMap<ServiceName, ServiceProcess>;

  constructor(private readonly options: ClusterOptions) {
    const apiKeys = [
      `${this.keys.device}=device`,
      `${this.keys.operator}=operator`,
      `${this.keys.commerce}=commerce-backend`,
      `${this.keys.compliance}=compliance`,
    ].join(',');
    const offset = options.portOffset ?? 0;
    const urlOf = (name: ServiceName) => `http://127.0.0.1:${SERVICES.find((s) => s.name === name)!.port + offset}`;
    const env: Record<string, string | undefined> = {
      PATH: options.baseEnv.PATH,
      HOME: options.baseEnv.HOME,
      COHORT_MODE: 'distributed',
      KAFKA_BROKERS: options.kafkaBrokers ?? '127.0.0.1:9092',
      REDIS_URL: options.redisUrl ?? 'redis://127.0.0.1:6379',
      COHORT_BLOB_ROOT: options.blobRoot,
      COHORT_API_KEYS: apiKeys,
      COHORT_ACCOUNTANT_URL: urlOf('dp-accountant'),
      COHORT_SERVICE_API_KEY: this.keys.operator,
      COHORT_ATTESTATION_ISSUERS: JSON.stringify([{ issuer: CLUSTER_ATTESTATION_ISSUER, publicKey: this.attestation.trustedIssuer().publicKey }]),
      COHORT_ATTESTATION_AUDIENCE: CLUSTER_ATTESTATION_AUDIENCE,
      ...options.env,
    };
    this.services = new Map(
      SERVICES.map(({ name, port }) => [name, new ServiceProcess({ name, entry: `apps/${name}/src/main.ts`, port: port + offset, env, echo: options.echo })]),
    );
  }

  service(name: ServiceName): ServiceProcess {
    return this.services.get(name)!;
  }

  url(name: ServiceName): string {
    return this.service(name).url;
  }

  /** The services a device talks to (the SDK's `ServiceUrls`). */
  deviceUrls(): { clientRegistry: string; roundScheduler: string; secureAggregator: string; modelRegistry: string } {
    return {
      clientRegistry: this.url('client-registry'), roundScheduler: this.url('round-scheduler'),
      secureAggregator: this.url('secure-aggregator'), modelRegistry: this.url('model-registry'),
    };
  }

  /** Starts every service; two at a time, so a two-core machine is not swamped by tsx compiles. */
  async start(): Promise<void> {
    const all = [...this.services.values()];
    for (let i = 0; i < all.length; i += 2) await Promise.all(all.slice(i, i + 2).map((s) => s.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => s.kill('SIGTERM')));
  }
}
