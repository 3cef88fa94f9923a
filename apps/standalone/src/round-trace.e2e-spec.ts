/**
 * One round is one trace: the span that opens it (scheduler), the release of its aggregate
 * (aggregator, later and from a timer or an upload request) and the new model version (registry)
 * share one trace id, carried through event headers and the aggregation session.
 */
import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanId } from '@cohort/contracts';
import { LocalAttestationIssuer } from '@cohort/feature-client-registry';
import { enrolPopulation, OperatorClient, runRound, syntheticPartitions } from '@cohort/feature-device-simulator';
import { syntheticCatalog } from '@cohort/ml';
import { bootstrapService, parseConfig } from '@cohort/nest-common';
import { StandaloneModule } from './app.module';
import { StandaloneConfig } from './standalone.config';

const apiKey = 'round-trace-e2e-development-key-000001';

describe('tracing across one round', () => {
  const exporter = new InMemorySpanExporter();
  let app: NestExpressApplication;
  let baseUrl: string;

  beforeAll(async () => {
    const config = parseConfig(StandaloneConfig, { PORT: '0', COHORT_API_KEY: apiKey, LOG_LEVEL: 'silent', COHORT_CATALOG_ITEMS: '40', COHORT_SAMPLING_RATE: '0.8', COHORT_MIN_SURVIVORS: '1' });
    app = await bootstrapService({
      service: 'cohort-standalone',
      module: StandaloneModule.forRoot(config),
      config,
      telemetry: { spanProcessor: new SimpleSpanProcessor(exporter) },
      shutdownSignals: [],
      exitOnFailure: false,
    });
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('gives the scheduler, aggregator and registry spans of a round one trace id', async () => {
    const urls = { clientRegistry: baseUrl, roundScheduler: baseUrl, secureAggregator: baseUrl, modelRegistry: baseUrl };
    const devices = await enrolPopulation({
      urls, deviceApiKey: apiKey, attest: (identityKey) => app.get(LocalAttestationIssuer).mint(identityKey), partitions: syntheticPartitions(syntheticCatalog(40, 4), 12, 5, 3),
      behaviour: { dropoutRate: 0, maxStragglerMs: 0 }, seed: 3, concurrency: 4,
    });
    const { round } = await runRound(devices, new OperatorClient(baseUrl, apiKey), PlanId.parse('plan-default'), { concurrency: 4, timeoutMs: 30_000 });
    expect({ state: round.state, reason: round.reason }).toEqual({ state: 'committed', reason: undefined });

    const spans = exporter.getFinishedSpans();
    const byName = (name: string) => spans.filter((s) => s.name === name && s.attributes['cohort.round_id'] === round.roundId);
    const [open] = byName('round.open');
    const [release] = byName('aggregate.release');
    const apply = spans.find((s) => s.name === 'model.apply-aggregate' && s.attributes['cohort.round_id'] === round.roundId);
    expect(open).toBeDefined();
    expect(release).toBeDefined();
    expect(apply).toBeDefined();
    const traceId = open.spanContext().traceId;
    expect(release.spanContext().traceId).toBe(traceId);
    expect(apply!.spanContext().traceId).toBe(traceId);
    // and it is a chain, not three roots: the release and the version have parents
    expect(release.parentSpanContext?.spanId).toBeDefined();
    expect(apply!.parentSpanContext?.spanId).toBeDefined();
  });
});
