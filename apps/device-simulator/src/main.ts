/**
 * The device simulator against distributed services: enrols COHORT_DEVICES virtual devices (each
 * with an attestation token signed by COHORT_ATTESTATION_SIGNING_KEY), then opens and drives
 * COHORT_ROUNDS rounds as the operator, printing one JSON line per round.
 */
import { LocalAttestationIssuer } from '@cohort/feature-client-registry';
import { loadConfigOrExit } from '@cohort/nest-common';
import { enrolPopulation, OperatorClient, runRound, syntheticPartitions } from '@cohort/feature-device-simulator';
import { syntheticCatalog } from '@cohort/ml';
import { DeviceSimulatorConfig } from './device-simulator.config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(DeviceSimulatorConfig);
  const attestation = new LocalAttestationIssuer({
    issuer: config.COHORT_ATTESTATION_ISSUER,
    audience: config.COHORT_ATTESTATION_AUDIENCE,
    signingKey: config.COHORT_ATTESTATION_SIGNING_KEY,
  });
  const devices = await enrolPopulation({
    urls: {
      clientRegistry: config.COHORT_CLIENT_REGISTRY_URL,
      roundScheduler: config.COHORT_SCHEDULER_URL,
      secureAggregator: config.COHORT_AGGREGATOR_URL,
      modelRegistry: config.COHORT_MODEL_REGISTRY_URL,
    },
    deviceApiKey: config.COHORT_DEVICE_API_KEY,
    attest: (identityKey) => attestation.mint(identityKey),
    partitions: syntheticPartitions(
      syntheticCatalog(config.COHORT_CATALOG_ITEMS, config.COHORT_CATALOG_CATEGORIES),
      config.COHORT_DEVICES, config.COHORT_SYNTHETIC_ORDERS, config.COHORT_SIMULATION_SEED,
    ),
    behaviour: { dropoutRate: config.COHORT_DROPOUT_RATE, maxStragglerMs: config.COHORT_MAX_STRAGGLER_MS },
    seed: config.COHORT_SIMULATION_SEED,
    concurrency: config.COHORT_CONCURRENCY,
  });
  process.stdout.write(`${JSON.stringify({ enrolled: devices.length })}\n`);
  const operator = new OperatorClient(config.COHORT_SCHEDULER_URL, config.COHORT_OPERATOR_API_KEY, config.COHORT_MODEL_REGISTRY_URL);
  for (let i = 0; i < config.COHORT_ROUNDS; i++) {
    const report = await runRound(devices, operator, config.COHORT_PLAN_ID, { concurrency: config.COHORT_CONCURRENCY, timeoutMs: config.COHORT_ROUND_TIMEOUT_MS });
    process.stdout.write(`${JSON.stringify(report)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`device-simulator: ${(error as Error).message}\n`);
  process.exit(1);
});
