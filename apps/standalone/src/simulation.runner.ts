/**
 * Standalone mode's main job: enrol the simulated population against the running services, run
 * the configured rounds, then ask for a recommendation the way a commerce backend would. Prints a
 * short human-readable report on stdout.
 */
import { PlanId, RecommendationResponse } from '@cohort/contracts';
import type { ServiceUrls } from '@cohort/client-sdk';
import { enrolPopulation, OperatorClient, runRound } from '@cohort/feature-device-simulator';
import { syntheticCatalog } from '@cohort/ml';
import type { StandaloneConfig } from './standalone.config';

export interface SimulationSummary {
  readonly rounds: Array<{ roundNumber: number; state: string; cohortSize: number; trained: number; droppedOut: number; modelVersion?: string }>;
  readonly recommendation: RecommendationResponse;
}

export async function runStandaloneSimulation(config: StandaloneConfig, baseUrl: string, apiKey: string, print: (line: string) => void): Promise<SimulationSummary> {
  const urls: ServiceUrls = { clientRegistry: baseUrl, roundScheduler: baseUrl, secureAggregator: baseUrl, modelRegistry: baseUrl };
  const catalog = syntheticCatalog(config.COHORT_CATALOG_ITEMS, config.COHORT_CATALOG_CATEGORIES);
  const devices = await enrolPopulation({
    urls,
    deviceApiKey: apiKey,
    devices: config.COHORT_DEVICES,
    catalog,
    interactionsPerUser: config.COHORT_INTERACTIONS_PER_USER,
    behaviour: { dropoutRate: config.COHORT_DROPOUT_RATE, maxStragglerMs: 50, localEpochs: 3 },
    seed: config.COHORT_SIMULATION_SEED,
    concurrency: 32,
  });
  print(`enrolled ${devices.length} simulated devices`);

  const operator = new OperatorClient(baseUrl, apiKey);
  const planId = PlanId.parse(config.COHORT_PLAN_ID);
  const rounds: SimulationSummary['rounds'] = [];
  for (let i = 0; i < config.COHORT_ROUNDS; i++) {
    const { round, participation, failures } = await runRound(devices, operator, planId, { concurrency: 32, timeoutMs: config.COHORT_UPLOAD_DEADLINE_MS + 30_000 });
    rounds.push({
      roundNumber: round.roundNumber,
      state: round.state,
      cohortSize: round.cohortSize,
      trained: participation.trained,
      droppedOut: participation['dropped-out'],
      ...(round.modelVersion === undefined ? {} : { modelVersion: round.modelVersion }),
    });
    print(
      `round ${round.roundNumber}: ${round.state.padEnd(9)} cohort ${String(round.cohortSize).padStart(4)}  trained ${String(participation.trained).padStart(4)}  dropped ${String(participation['dropped-out']).padStart(3)}` +
        (round.modelVersion === undefined ? `  (${round.reason ?? 'no model'})` : `  → ${round.modelVersion}`),
    );
    for (const failure of failures) print(`  a device failed: ${failure}`);
  }

  // Serving swaps versions as their promotions arrive on the bus, and learns each version's
  // guarantee when the accountant has recorded its round: ask until it serves the newest one with it.
  const newest = rounds.findLast((round) => round.modelVersion !== undefined)?.modelVersion;
  const request = { context: { recentItemIds: [catalog.itemIds[0]] }, limit: 5 };
  let recommendation = await recommend(baseUrl, apiKey, request);
  const settled = () => newest === undefined || (recommendation.modelVersion === newest && recommendation.privacy.epsilon !== null);
  for (let waited = 0; !settled() && waited < 10_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    recommendation = await recommend(baseUrl, apiKey, request);
  }
  const { epsilon, delta } = recommendation.privacy;
  print(`recommendations from ${recommendation.modelVersion} (${epsilon === null ? 'privacy not yet accounted' : `user-level ε = ${epsilon.toFixed(3)} at δ = ${delta}`}):`);
  for (const item of recommendation.items) print(`  ${item.itemId}  score ${item.score.toFixed(4)}`);
  return { rounds, recommendation };
}

async function recommend(baseUrl: string, apiKey: string, body: unknown): Promise<RecommendationResponse> {
  const response = await fetch(new URL('/v1/recommendations', baseUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST /v1/recommendations answered ${response.status}: ${await response.text()}`);
  return RecommendationResponse.parse(await response.json());
}
