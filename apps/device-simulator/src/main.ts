/**
 * The device simulator against distributed services: enrols COHORT_DEVICES virtual devices, then
 * opens and drives COHORT_ROUNDS rounds as the operator, printing one JSON line per round.
 */
import { loadConfigOrExit } from '@cohort/nest-common';
import { enrolPopulation, OperatorClient, runRound } from '@cohort/feature-device-simulator';
import { syntheticCatalog } from '@cohort/ml';
import { DeviceSimulatorConfig } from './device-simulator.config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(DeviceSimulatorConfig);
  const devices = await enrolPopulation({
    urls: {
      clientRegistry: config.COHORT_CLIENT_REGISTRY_URL,
      roundScheduler: config.COHORT_SCHEDULER_URL,
      secureAggregator: config.COHORT_AGGREGATOR_URL,
      modelRegistry: config.COHORT_MODEL_REGISTRY_URL,
    },
    deviceApiKey: config.COHORT_DEVICE_API_KEY,
    devices: config.COHORT_DEVICES,
    catalog: syntheticCatalog(config.COHORT_CATALOG_ITEMS, config.COHORT_CATALOG_CATEGORIES),
    interactionsPerUser: config.COHORT_INTERACTIONS_PER_USER,
    behaviour: { dropoutRate: config.COHORT_DROPOUT_RATE, maxStragglerMs: config.COHORT_MAX_STRAGGLER_MS, localEpochs: 3 },
    seed: config.COHORT_SIMULATION_SEED,
    concurrency: config.COHORT_CONCURRENCY,
  });
  process.stdout.write(`${JSON.stringify({ enrolled: devices.length })}\n`);
  const operator = new OperatorClient(config.COHORT_SCHEDULER_URL, config.COHORT_OPERATOR_API_KEY);
  for (let i = 0; i < config.COHORT_ROUNDS; i++) {
    const report = await runRound(devices, operator, config.COHORT_PLAN_ID, { concurrency: config.COHORT_CONCURRENCY, timeoutMs: config.COHORT_ROUND_TIMEOUT_MS });
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`device-simulator: ${(error as Error).message}\n`);
  process.exit(1);
});
