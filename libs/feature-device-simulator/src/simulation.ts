/**
 * A simulated population: enrol N virtual devices with seeded private histories over the
 * catalog, then drive rounds — the operator opens one, every device checks in concurrently,
 * sampled devices train and take part in the round's SecAgg+ session, and the round is followed until it commits or aborts.
 */
import { createDeviceIdentity, DeviceClient, type ServiceUrls } from '@cohort/client-sdk';
import { UserId, type PlanId, type TrainingTask } from '@cohort/contracts';
import { seededRandom, syntheticHistory, type SyntheticCatalog } from '@cohort/ml';
import { type OperatorClient, type RoundSummary } from './operator-client';
import { VirtualDevice, type DeviceBehaviour, type Participation } from './virtual-device';

export interface PopulationOptions {
  readonly urls: ServiceUrls;
  readonly deviceApiKey: string;
  readonly devices: number;
  readonly catalog: SyntheticCatalog;
  readonly interactionsPerUser: number;
  readonly behaviour: DeviceBehaviour;
  readonly seed: number;
  readonly concurrency: number;
}

export interface RoundReport {
  readonly round: RoundSummary;
  readonly participation: Record<Participation | 'failed', number>;
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

export async function enrolPopulation(options: PopulationOptions): Promise<VirtualDevice[]> {
  const client = new DeviceClient(options.urls, options.deviceApiKey);
  const random = seededRandom(options.seed);
  const users = Array.from({ length: options.devices }, (_, i) => ({ userId: UserId.parse(`user-${String(i).padStart(6, '0')}`), seed: Math.floor(random() * 2 ** 31) }));
  const enrolled = await boundedAll(users, options.concurrency, async ({ userId, seed }) => {
    const counts = syntheticHistory(options.catalog, seed, options.interactionsPerUser);
    const history = new Map(options.catalog.itemIds.flatMap((itemId, i) => (counts[i] > 0 ? [[itemId, counts[i]] as const] : [])));
    const identity = createDeviceIdentity();
    const clientId = await client.register({
      userId,
      capabilities: { accelerator: 'cpu', memoryMb: 4096, batteryPercent: 80, network: 'wifi' },
      trainingConsent: true,
      identityKey: identity.publicKeyBase64,
    });
    const connection = { client, aggregatorUrl: options.urls.secureAggregator, apiKey: options.deviceApiKey };
    return new VirtualDevice(userId, clientId, history, identity, connection, options.behaviour, seed);
  });
  const failed = enrolled.filter((r) => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`${failed.length} of ${users.length} devices failed to enrol: ${String((failed[0] as PromiseRejectedResult).reason)}`);
  return enrolled.map((r) => (r as PromiseFulfilledResult<VirtualDevice>).value);
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
  const tasks = await boundedAll(devices, options.concurrency, (device) => device.checkIn());
  const participation: RoundReport['participation'] = { 'not-selected': 0, trained: 0, 'dropped-out': 0, excluded: 0, failed: 0 };
  const failures: string[] = [];
  const fail = (reason: unknown) => {
    participation.failed += 1;
    if (failures.length < 3) failures.push(String((reason as Error).message ?? reason));
  };
  const selected: { device: VirtualDevice; task: TrainingTask }[] = [];
  devices.forEach((device, i) => {
    const checkIn = tasks[i]!;
    if (checkIn.status === 'rejected') fail(checkIn.reason);
    else if (checkIn.value === null) participation['not-selected'] += 1;
    else selected.push({ device, task: checkIn.value });
  });
  const outcomes = await Promise.allSettled(selected.map(({ device, task }) => device.participate(task)));
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') participation[outcome.value] += 1;
    else fail(outcome.reason);
  }
  return { round: await operator.awaitOutcome(opened.roundId, options.timeoutMs), participation, failures };
}
