/**
 * A simulated population: enrol one virtual device per data partition (a user's private orders),
 * then drive rounds — the operator opens one, every device checks in concurrently, sampled
 * devices train (through the SDK) and take part in the round's SecAgg+ session, and the round is
 * followed until it commits or aborts. Evaluation devices are enrolled without training consent:
 * they are never sampled, and score each new version on their held-out last order.
 */
import { createDeviceIdentity, DeviceClient, DeviceTrainer, type DeviceOrder, type ServiceUrls } from '@cohort/client-sdk';
import { UserId, type ModelEvaluation, type PlanId, type TrainingTask } from '@cohort/contracts';
import { seededRandom, syntheticOrders, type SyntheticCatalog } from '@cohort/ml';
import { type OperatorClient, type RoundSummary } from './operator-client';
import { VirtualDevice, type DeviceBehaviour, type Participation } from './virtual-device';

export interface PopulationOptions {
  readonly urls: ServiceUrls;
  readonly deviceApiKey: string;
  /**
   * The attestation token for a device's identity key (base64), as a real device gets one from
   * its platform's attestation service: a function, so the simulator needs no server code.
   */
  readonly attest: (identityKey: string) => Promise<string>;
  /** One device per partition: that user's orders (item ids), oldest first. */
  readonly partitions: readonly (readonly DeviceOrder[])[];
  /** The last `evaluators` partitions become held-out evaluation devices (default 0). */
  readonly evaluators?: number;
  readonly behaviour: DeviceBehaviour;
  readonly seed: number;
  readonly concurrency: number;
}

export interface RoundReport {
  readonly round: RoundSummary;
  readonly participation: Record<Participation | 'failed', number>;
  /** Mean local training loss of the devices that trained (the simulator's view, not the server's). */
  readonly meanLoss: number;
  /** The first few reasons devices failed, for the operator's report. */
  readonly failures: string[];
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function boundedAll<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]).then(
        (value) => ({ status: 'fulfilled' as const, value }),
        (reason: unknown) => ({ status: 'rejected' as const, reason }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Seeded synthetic partitions over `catalog`: `devices` users with `orders` orders each. */
export function syntheticPartitions(catalog: SyntheticCatalog, devices: number, orders: number, seed: number): DeviceOrder[][] {
  const random = seededRandom(seed);
  return Array.from({ length: devices }, () =>
    syntheticOrders(catalog, Math.floor(random() * 2 ** 31), orders).map((order) => order.map((i) => catalog.itemIds[i]!)),
  );
}

export async function enrolPopulation(options: PopulationOptions): Promise<VirtualDevice[]> {
  const client = new DeviceClient(options.urls, options.deviceApiKey);
  const random = seededRandom(options.seed);
  const count = options.partitions.length;
  const firstEvaluator = count - (options.evaluators ?? 0);
  const users = options.partitions.map((orders, i) => ({ userId: UserId.parse(`user-${String(i).padStart(6, '0')}`), orders, seed: Math.floor(random() * 2 ** 31), evaluator: i >= firstEvaluator }));
  const enrolled = await boundedAll(users, options.concurrency, async ({ userId, orders, seed, evaluator }) => {
    const identity = createDeviceIdentity();
    const clientId = await client.register({
      userId,
      capabilities: { accelerator: 'cpu', memoryMb: 4096, batteryPercent: 80, network: 'wifi', charging: true, unmeteredNetwork: true },
      trainingConsent: !evaluator,
      identityKey: identity.publicKeyBase64,
      attestationToken: await options.attest(identity.publicKeyBase64),
    });
    const connection = { client, aggregatorUrl: options.urls.secureAggregator, apiKey: options.deviceApiKey };
    const trainer = new DeviceTrainer(orders, { random: seededRandom(seed), holdOutLastOrder: evaluator });
    return new VirtualDevice(userId, clientId, trainer, identity, connection, options.behaviour, seed, evaluator ? 'evaluate' : 'train');
  });
  const failed = enrolled.filter((r) => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`${failed.length} of ${users.length} devices failed to enrol: ${String((failed[0] as PromiseRejectedResult).reason)}`);
  return enrolled.map((r) => (r as PromiseFulfilledResult<VirtualDevice>).value);
}

/**
 * Federated evaluation of `modelVersion`: every evaluation device scores it on its held-out order
 * and reports its sums; the answer is the registry's running total (null if none could evaluate).
 */
export async function evaluateVersion(devices: readonly VirtualDevice[], modelVersion: string, concurrency: number): Promise<ModelEvaluation | null> {
  const evaluators = devices.filter((device) => device.role === 'evaluate');
  const results = await boundedAll(evaluators, concurrency, (device) => device.evaluate(modelVersion));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw new Error(`an evaluation device failed: ${String((failed as PromiseRejectedResult).reason)}`);
  let last: ModelEvaluation | null = null;
  for (const r of results) if (r.status === 'fulfilled' && r.value !== null && (last === null || r.value.users > last.users)) last = r.value;
  return last;
}

export async function runRound(
  devices: readonly VirtualDevice[],
  operator: OperatorClient,
  planId: PlanId,
  options: { readonly concurrency: number; readonly timeoutMs: number },
): Promise<RoundReport> {
  const opened = await operator.openRound(planId);
  // Check-ins are bounded (a burst of requests); the sampled devices then take part all at once,
  // as a SecAgg+ stage waits for the whole cohort.
  const trainers = devices.filter((device) => device.role === 'train');
  const tasks = await boundedAll(trainers, options.concurrency, (device) => device.checkIn());
  const participation: RoundReport['participation'] = { 'not-selected': 0, trained: 0, 'dropped-out': 0, excluded: 0, failed: 0 };
  const failures: string[] = [];
  const fail = (reason: unknown) => {
    participation.failed += 1;
    if (failures.length < 3) failures.push(String((reason as Error).message ?? reason));
  };
  const selected: { device: VirtualDevice; task: TrainingTask }[] = [];
  trainers.forEach((device, i) => {
    const checkIn = tasks[i]!;
    if (checkIn.status === 'rejected') fail(checkIn.reason);
    else if (checkIn.value === null) participation['not-selected'] += 1;
    else selected.push({ device, task: checkIn.value });
  });
  const outcomes = await Promise.allSettled(selected.map(({ device, task }) => device.participate(task)));
  let loss = 0;
  let trained = 0;
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'rejected') return fail(outcome.reason);
    participation[outcome.value] += 1;
    const { lastLoss } = selected[i]!.device;
    if (outcome.value === 'trained' && Number.isFinite(lastLoss)) {
      loss += lastLoss;
      trained += 1;
    }
  });
  return { round: await operator.awaitOutcome(opened.roundId, options.timeoutMs), participation, failures, meanLoss: trained === 0 ? NaN : loss / trained };
}
