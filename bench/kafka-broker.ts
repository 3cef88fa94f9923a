/**
 * The local Kafka broker for benchmarks: answers on 127.0.0.1:9092, or is started with
 * `tools/infra/up.sh`, or the benchmark stops with a message saying how to start it.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

export const BROKERS = ['127.0.0.1:9092'];
const ROOT = resolve(__dirname, '..');

async function brokerAnswers(): Promise<boolean> {
  const admin = new Kafka({ clientId: 'bench-probe', brokers: BROKERS, logLevel: logLevel.NOTHING, connectionTimeout: 1_000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function ensureBroker(): Promise<void> {
  if (await brokerAnswers()) return;
  console.error('Kafka does not answer on 127.0.0.1:9092; running tools/infra/up.sh ...');
  try {
    execFileSync('bash', [resolve(ROOT, 'tools/infra/up.sh')], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 240_000 });
  } catch (error) {
    throw new Error(`could not start the Kafka broker with tools/infra/up.sh (${(error as Error).message}); start it with \`npm run infra:up\` and run the bench again`);
  }
  if (!(await brokerAnswers())) throw new Error('tools/infra/up.sh finished but Kafka still does not answer on 127.0.0.1:9092');
}
