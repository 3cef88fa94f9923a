/**
 * `npm run dev:distributed`: Cohort in distributed mode on this machine — Kafka and Redis via
 * `infra:up`, each service its own process, then the device simulator drives COHORT_ROUNDS
 * rounds against them and a recommendation is asked for. Services keep running until Ctrl-C.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CLUSTER_ATTESTATION_AUDIENCE, DistributedCluster } from '@cohort/testing';

const root = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  execFileSync('bash', ['tools/infra/up.sh'], { cwd: root, stdio: 'inherit' });
  const blobRoot = resolve(root, '.data', 'dev-blobs');
  mkdirSync(blobRoot, { recursive: true });
  const cluster = new DistributedCluster({ baseEnv: process.env, blobRoot, echo: process.env.COHORT_ECHO_LOGS === 'true', env: { LOG_LEVEL: 'warn' } });
  const stop = async () => {
    await cluster.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  process.stdout.write('starting services ...\n');
  await cluster.start();
  for (const service of cluster.services.values()) process.stdout.write(`  ${service.options.name.padEnd(24)} ${service.url}\n`);

  const simulator = spawn(resolve(root, 'node_modules/.bin/tsx'), ['apps/device-simulator/src/main.ts'], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      COHORT_CLIENT_REGISTRY_URL: cluster.url('client-registry'),
      COHORT_SCHEDULER_URL: cluster.url('round-scheduler'),
      COHORT_AGGREGATOR_URL: cluster.url('secure-aggregator'),
      COHORT_MODEL_REGISTRY_URL: cluster.url('model-registry'),
      COHORT_DEVICE_API_KEY: cluster.keys.device,
      COHORT_OPERATOR_API_KEY: cluster.keys.operator,
      // The private half of the issuer client-registry trusts: the simulated devices' tokens.
      COHORT_ATTESTATION_SIGNING_KEY: JSON.stringify(cluster.attestation.exportSigningKey()),
      COHORT_ATTESTATION_ISSUER: cluster.attestation.issuer,
      COHORT_ATTESTATION_AUDIENCE: CLUSTER_ATTESTATION_AUDIENCE,
    },
  });
  const code = await new Promise<number>((r) => simulator.once('exit', (c) => r(c ?? 1)));
  if (code !== 0) {
    process.stderr.write(`device simulator failed (exit ${code})\n`);
    await stop();
  }
  const response = await fetch(`${cluster.url('recommendation-serving')}/v1/recommendations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cluster.keys.commerce}`, 'content-type': 'application/json' },
    body: JSON.stringify({ context: { recentItemIds: [] }, limit: 5 }),
  });
  process.stdout.write(`recommendation: ${response.status} ${await response.text()}\n`);
  const keysFile = resolve(root, '.data', 'dev-keys.env');
  writeFileSync(
    keysFile,
    Object.entries(cluster.keys).map(([role, key]) => `COHORT_${role.toUpperCase()}_API_KEY=${key}`).join('\n') + '\n',
    { mode: 0o600 },
  );
  process.stdout.write(`\nthis run's API keys are in ${keysFile}; services keep running, Ctrl-C stops them\n`);
}

void main();
