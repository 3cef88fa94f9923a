/**
 * `npm start`: Cohort in one process. Starts every service on one port with the embedded bus and
 * in-memory stores, runs COHORT_ROUNDS rounds with COHORT_DEVICES simulated devices, prints a
 * summary and a sample recommendation, and keeps serving until stopped (Ctrl-C).
 */
import 'reflect-metadata';
import { LocalAttestationIssuer } from '@cohort/feature-client-registry';
import { bootstrapService, generateApiKey, loadConfigOrExit } from '@cohort/nest-common';
import { StandaloneModule } from './app.module';
import { loadPopulation } from './population';
import { runStandaloneSimulation } from './simulation.runner';
import { StandaloneConfig } from './standalone.config';

async function main(): Promise<void> {
  const parsed = loadConfigOrExit(StandaloneConfig);
  // The simulated devices and the sample request need the development key, so it is settled here.
  const config = { ...parsed, COHORT_API_KEY: parsed.COHORT_API_KEY ?? generateApiKey() };
  if (parsed.COHORT_API_KEY === undefined) {
    process.stderr.write(`\nCOHORT_API_KEY is not set: this run's development key (every role) is\n\n    ${config.COHORT_API_KEY}\n\n`);
  }
  const population = await loadPopulation(config);
  const app = await bootstrapService({ service: 'cohort-standalone', module: StandaloneModule.forRoot(config, population.itemIds), config });
  const baseUrl = `http://${config.HOST}:${config.PORT === 0 ? new URL(await app.getUrl()).port : config.PORT}`;
  const print = (line: string) => void process.stdout.write(`${line}\n`);
  print(`Cohort standalone on ${baseUrl} — ${population.partitions.length} devices, ${config.COHORT_ROUNDS} rounds`);
  try {
    await runStandaloneSimulation(config, population, baseUrl, config.COHORT_API_KEY, app.get(LocalAttestationIssuer), print);
  } catch (error) {
    process.stderr.write(`simulation failed: ${(error as Error).message}\n`);
    await app.close();
    process.exit(1);
  }
  if (config.COHORT_EXIT_AFTER_ROUNDS) {
    await app.close();
    return;
  }
  print(`serving every route on ${baseUrl} (Ctrl-C to stop)`);
}

void main();
