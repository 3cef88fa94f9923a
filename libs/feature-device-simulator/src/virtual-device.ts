/**
 * A simulated shopper's phone: its own purchase history never leaves it; when sampled it fetches
 * the model, trains locally, clips, and takes part in the round's SecAgg+ session through the
 * client SDK, so the update leaves it only masked. It can drop out at any stage of the protocol,
 * or straggle, as real devices do.
 */
import * as nodeCrypto from 'node:crypto';
import { SecureAggregationParticipant, type DeviceClient, type DeviceIdentity } from '@cohort/client-sdk';
import type { ClientId, TrainingTask, UserId } from '@cohort/contracts';
import { seededRandom, trainLocally } from '@cohort/ml';
import { createNodeCryptoSuite, type ProtocolStage } from '@cohort/secagg';

export type Participation = 'not-selected' | 'trained' | 'dropped-out' | 'excluded';

export interface DeviceBehaviour {
  /** Probability of vanishing after being selected, per round (at a uniformly chosen protocol stage). */
  readonly dropoutRate: number;
  /** Upper bound of a uniform extra delay before training. */
  readonly maxStragglerMs: number;
  readonly localEpochs: number;
}

export interface DeviceConnection {
  readonly client: DeviceClient;
  readonly aggregatorUrl: string;
  readonly apiKey: string;
}

const STAGES: readonly ProtocolStage[] = ['AdvertiseKeys', 'ShareKeys', 'MaskedInput', 'ConsistencyCheck', 'Unmask'];
/** The simulator runs in Node: OpenSSL for the device's crypto (same bytes as the browser's noble suite). */
const NODE_SUITE = createNodeCryptoSuite(nodeCrypto);

export class VirtualDevice {
  private readonly random: () => number;

  constructor(
    readonly userId: UserId,
    readonly clientId: ClientId,
    /** Item id → how often this user bought it: private, on-device data. */
    private readonly history: ReadonlyMap<string, number>,
    readonly identity: DeviceIdentity,
    private readonly connection: DeviceConnection,
    private readonly behaviour: DeviceBehaviour,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** Asks the scheduler for a task: null when this device was not sampled for the round. */
  checkIn(): Promise<TrainingTask | null> {
    return this.connection.client.checkIn(this.clientId);
  }

  /**
   * Trains and takes part in the round's SecAgg+ session. Every sampled device must run this
   * concurrently with the others: each stage waits for the whole cohort (or its deadline).
   * `holdUpdate` (tests) keeps the trained update back until it settles: the device then waits at
   * MaskedInput, after ShareKeys.
   */
  async participate(task: TrainingTask, holdUpdate?: Promise<unknown>): Promise<Exclude<Participation, 'not-selected'>> {
    const { client } = this.connection;
    const dropBefore = this.random() < this.behaviour.dropoutRate ? STAGES[Math.floor(this.random() * STAGES.length)]! : undefined;
    const straggle = this.random() * this.behaviour.maxStragglerMs;
    const participant = new SecureAggregationParticipant({
      aggregatorUrl: this.connection.aggregatorUrl,
      apiKey: this.connection.apiKey,
      clientId: this.clientId,
      identitySecretKey: this.identity.secretKey,
      suite: NODE_SUITE,
      ...(dropBefore === undefined ? {} : { dropBefore }),
    });
    const result = await participant.contribute(task, async () => {
      const model = await client.fetchModel(task);
      const counts = Float32Array.from(model.itemIds, (itemId) => this.history.get(itemId) ?? 0);
      if (straggle > 0) await new Promise((resolve) => setTimeout(resolve, straggle));
      await holdUpdate;
      return trainLocally(model.logits, counts, { learningRate: task.localLearningRate, epochs: this.behaviour.localEpochs, clipNorm: task.mechanism.clipNorm });
    });
    switch (result.outcome) {
      case 'contributed':
        return 'trained';
      case 'dropped':
        return 'dropped-out';
      case 'excluded':
      case 'aborted':
        return 'excluded';
    }
  }
}
