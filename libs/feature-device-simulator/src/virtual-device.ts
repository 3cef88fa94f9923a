/**
 * A simulated shopper's phone: its own purchase history never leaves it. The simulator supplies
 * only the data and the behaviour; everything a device does is the client SDK's — when sampled it
 * fetches the model, the SDK's `DeviceTrainer` trains and clips, and the update leaves the phone
 * only masked, through the SDK's SecAgg+ participant. It can drop out at any stage of the
 * protocol, or straggle, as real devices do. Evaluation devices never train: they score a model
 * version on their held-out last order and report the metric sums.
 */
import * as nodeCrypto from 'node:crypto';
import { SecureAggregationParticipant, type DeviceClient, type DeviceIdentity, type DeviceTrainer } from '@cohort/client-sdk';
import type { ClientId, ModelEvaluation, TrainingTask, UserId } from '@cohort/contracts';
import { seededRandom } from '@cohort/ml';
import { createNodeCryptoSuite, type ProtocolStage } from '@cohort/secagg';

export type Participation = 'not-selected' | 'trained' | 'dropped-out' | 'excluded';

export interface DeviceBehaviour {
  /** Probability of vanishing after being selected, per round (before a stage drawn uniformly from `dropoutStages`). */
  readonly dropoutRate: number;
  /**
   * The stages a dropping device may vanish before (default: all five). `['MaskedInput']` makes
   * every dropout one whose keys were already shared, so the aggregator must recover its masks.
   */
  readonly dropoutStages?: readonly ProtocolStage[];
  /** Upper bound of a uniform extra delay before training. */
  readonly maxStragglerMs: number;
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
  /** The local training loss of the last round this device trained in (stays on the device). */
  lastLoss = NaN;

  constructor(
    readonly userId: UserId,
    readonly clientId: ClientId,
    /** The SDK's trainer over this user's orders: private, on-device data. */
    readonly trainer: DeviceTrainer,
    readonly identity: DeviceIdentity,
    private readonly connection: DeviceConnection,
    private readonly behaviour: DeviceBehaviour,
    /** Seeds this device's behaviour and its trainer's sampling (simulation only). */
    readonly seed: number,
    /** 'train': takes part in rounds; 'evaluate': held out, only scores versions. */
    readonly role: 'train' | 'evaluate' = 'train',
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
    const stages = this.behaviour.dropoutStages ?? STAGES;
    const dropBefore = this.random() < this.behaviour.dropoutRate ? stages[Math.floor(this.random() * stages.length)] : undefined;
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
      if (straggle > 0) await new Promise((resolve) => setTimeout(resolve, straggle));
      await holdUpdate;
      const { update, loss } = this.trainer.computeUpdate(model, task.mechanism.clipNorm);
      this.lastLoss = loss;
      return update;
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

  /**
   * Scores `modelVersion` on this device's held-out last order and adds the metric sums to the
   * version's federated evaluation; null when the device has too few orders to evaluate.
   */
  async evaluate(modelVersion: string): Promise<ModelEvaluation | null> {
    const { client } = this.connection;
    const model = await client.fetchModel({ modelPath: `/v1/models/${encodeURIComponent(modelVersion)}/artifact`, localLearningRate: 1 });
    const sums = this.trainer.evaluate(model);
    if (sums === null) return null;
    return client.reportEvaluation(this.clientId, model.modelVersion, { ...sums, users: 1 });
  }
}
