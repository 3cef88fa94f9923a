/**
 * Standalone mode's main job: enrol one simulated device per user of the population against the
 * running services, train the two-tower model over the configured rounds (each device trains
 * through the client SDK and uploads only through SecAgg+), evaluate every new version on the
 * held-out devices, then ask for recommendations the way a commerce backend would. Prints a
 * per-round table on stdout: cohort, survivors, mean local loss, held-out HR@10, and the ε the
 * accountant charged so far.
 */
import { PlanId, RecommendationResponse } from '@cohort/contracts';
import type { ServiceUrls } from '@cohort/client-sdk';
import type { LocalAttestationIssuer } from '@cohort/feature-client-registry';
import { enrolPopulation, evaluateVersion, OperatorClient, runRound } from '@cohort/feature-device-simulator';
import type { StandalonePopulation } from './population';
import type { StandaloneConfig } from './standalone.config';

export interface RoundRow {
  readonly roundNumber: number;
  readonly state: string;
  readonly cohortSize: number;
  readonly trained: number;
  readonly droppedOut: number;
  readonly loss: number;
  readonly heldOutHr10: number | null;
  readonly epsilon: number | null;
  readonly modelVersion?: string;
  readonly reason?: string;
}

export interface SimulationSummary {
  readonly rounds: RoundRow[];
  readonly initialHr10: number | null;
  readonly recommendation: RecommendationResponse;
}

const BAR_WIDTH = 20;

function progressBar(done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(done).padStart(String(total).length)}/${total}`;
}

const cell = (value: number | null, digits: number, width: number) => (value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits)).padStart(width);

/** `attestation`: the issuer the standalone registry trusts; every simulated device gets its token from it. */
export async function runStandaloneSimulation(
  config: StandaloneConfig,
  population: StandalonePopulation,
  baseUrl: string,
  apiKey: string,
  attestation: LocalAttestationIssuer,
  print: (line: string) => void,
): Promise<SimulationSummary> {
  const urls: ServiceUrls = { clientRegistry: baseUrl, roundScheduler: baseUrl, secureAggregator: baseUrl, modelRegistry: baseUrl };
  const evaluators = Math.floor(population.partitions.length * config.COHORT_EVALUATION_SHARE);
  const devices = await enrolPopulation({
    urls,
    deviceApiKey: apiKey,
    attest: (identityKey) => attestation.mint(identityKey),
    partitions: population.partitions,
    evaluators,
    behaviour: { dropoutRate: config.COHORT_DROPOUT_RATE, maxStragglerMs: 50 },
    seed: config.COHORT_SIMULATION_SEED,
    concurrency: 32,
  });
  print(`enrolled ${devices.length} simulated devices (${population.name}: ${population.itemIds.length} items; ${evaluators} held out for evaluation)`);

  const operator = new OperatorClient(baseUrl, apiKey);
  const planId = PlanId.parse(config.COHORT_PLAN_ID);
  const initial = evaluators > 0 ? await evaluateVersion(devices, `${planId}:v0`, 32) : null;
  const initialHr10 = initial?.hr10 ?? null;
  print(`initial model ${planId}:v0 — held-out HR@10 ${cell(initialHr10, 3, 5).trim()}`);
  print('');
  print(`${'progress'.padEnd(BAR_WIDTH + 8)} round  state       cohort  trained  dropped    loss  HR@10       ε  version`);
  const rounds: RoundRow[] = [];
  for (let i = 0; i < config.COHORT_ROUNDS; i++) {
    const { round, participation, failures, meanLoss } = await runRound(devices, operator, planId, { concurrency: 32, timeoutMs: config.COHORT_UPLOAD_DEADLINE_MS + 30_000 });
    let heldOutHr10: number | null = null;
    let epsilon: number | null = null;
    if (round.modelVersion !== undefined) {
      epsilon = (await operator.awaitCharged(round.modelVersion, 30_000)).privacy!.epsilon;
      if (evaluators > 0) heldOutHr10 = (await evaluateVersion(devices, round.modelVersion, 32))?.hr10 ?? null;
    }
    const row: RoundRow = {
      roundNumber: round.roundNumber, state: round.state, cohortSize: round.cohortSize, trained: participation.trained,
      droppedOut: participation['dropped-out'], loss: meanLoss, heldOutHr10, epsilon,
      ...(round.modelVersion === undefined ? {} : { modelVersion: round.modelVersion }),
      ...(round.reason === undefined ? {} : { reason: round.reason }),
    };
    rounds.push(row);
    print(
      `${progressBar(i + 1, config.COHORT_ROUNDS).padEnd(BAR_WIDTH + 8)} ${String(row.roundNumber).padStart(5)}  ${row.state.padEnd(9)}  ${String(row.cohortSize).padStart(6)}  ${String(row.trained).padStart(7)}  ${String(row.droppedOut).padStart(7)}  ${cell(row.loss, 3, 6)}  ${cell(heldOutHr10, 3, 5)}  ${cell(epsilon, 3, 6)}  ${row.modelVersion ?? `(${row.reason ?? 'no model'})`}`,
    );
    for (const failure of failures) print(`  a device failed: ${failure}`);
  }

  // Serving swaps versions as their promotions arrive on the bus (only charged versions are
  // promoted): ask until it serves the newest one.
  const newest = rounds.findLast((round) => round.modelVersion !== undefined)?.modelVersion;
  const shopper = population.partitions[population.partitions.length - 1]!;
  const request = { context: { recentItemIds: [...shopper[shopper.length - 1]!].slice(0, 20) }, limit: 5 };
  let recommendation = await recommend(baseUrl, apiKey, request);
  for (let waited = 0; newest !== undefined && recommendation.modelVersion !== newest && waited < 10_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    recommendation = await recommend(baseUrl, apiKey, request);
  }
  const { epsilon, delta } = recommendation.privacy;
  print('');
  print(`recommendations for a shopper whose basket holds ${request.context.recentItemIds.length} items, from ${recommendation.modelVersion} (user-level ε = ${epsilon === null ? '∞' : epsilon.toFixed(3)} at δ = ${delta}):`);
  for (const item of recommendation.items) print(`  ${item.itemId.padEnd(12)} score ${item.score.toFixed(4)}`);
  return { rounds, initialHr10, recommendation };
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
