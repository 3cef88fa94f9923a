/**
 * A simulated shopper's phone: its own purchase history never leaves it; when sampled it fetches
 * the model, trains locally, clips, and uploads only the clipped delta. It can drop out (never
 * answers) or straggle (answers late), as real devices do.
 */
import type { ClientId, UserId } from '@cohort/contracts';
import { seededRandom, trainLocally } from '@cohort/ml';
import type { DeviceClient } from './device-client';

export type Participation = 'not-selected' | 'trained' | 'dropped-out';

export interface DeviceBehaviour {
  /** Probability of vanishing after being selected, per round. */
  readonly dropoutRate: number;
  /** Upper bound of a uniform extra delay before uploading. */
  readonly maxStragglerMs: number;
  readonly localEpochs: number;
}

export class VirtualDevice {
  private readonly random: () => number;

  constructor(
    readonly userId: UserId,
    readonly clientId: ClientId,
    /** Item id → how often this user bought it: private, on-device data. */
    private readonly history: ReadonlyMap<string, number>,
    private readonly client: DeviceClient,
    private readonly behaviour: DeviceBehaviour,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  async participate(): Promise<Participation> {
    const task = await this.client.checkIn(this.clientId);
    if (task === null) return 'not-selected';
    if (this.random() < this.behaviour.dropoutRate) return 'dropped-out';
    const model = await this.client.fetchModel(task);
    const counts = Float32Array.from(model.itemIds, (itemId) => this.history.get(itemId) ?? 0);
    const update = trainLocally(model.logits, counts, {
      learningRate: task.localLearningRate,
      epochs: this.behaviour.localEpochs,
      clipNorm: task.mechanism.clipNorm,
    });
    if (this.behaviour.maxStragglerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.random() * this.behaviour.maxStragglerMs));
    await this.client.upload(task, this.clientId, update);
    return 'trained';
  }
}
