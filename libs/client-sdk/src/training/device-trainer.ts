/**
 * The device's side of learning: the app hands the SDK its own purchase history; for each round
 * the SDK trains the downloaded two-tower model on it, clips the update to L2 norm C (the
 * sensitivity the accountant charges for — quantization's per-coordinate clamp alone would allow
 * C·√d), and returns it for secure aggregation. It also ranks on the device with the downloaded
 * model (no server round trip) and evaluates the model on the history's last order, so federated
 * evaluation only ever sees the device's metric sums.
 *
 * Invariants:
 * - the private per-user vector (federated reconstruction) lives in this object only: it is not in
 *   any update, request, or serialisable state, and it is refitted when the model family changes;
 * - `computeUpdate` never returns a vector of L2 norm above the clip norm.
 */
import {
  clipToNorm, evaluateUser, historyExamples, l2Norm, reconstructPrivateVector, trainOnDevice,
  type MetricSums,
} from '@cohort/ml';
import { type OnDeviceModel } from './on-device-model';

/** One order: the ids of the items bought together. Oldest order first. */
export type DeviceOrder = readonly string[];

export interface DeviceUpdate {
  /** The clipped update, ready for quantization and SecAgg+. */
  readonly update: Float32Array;
  /** ‖update‖ before clipping (stays on the device; for the app's diagnostics). */
  readonly normBeforeClip: number;
  readonly loss: number;
  readonly examples: number;
}

export interface RankedItem {
  readonly itemId: string;
  readonly score: number;
}

/** L2-clips an update to `clipNorm` (McMahan et al. 2018, Alg. 1, ClipFn). */
export function clipUpdate(update: Float32Array, clipNorm: number): Float32Array {
  return clipToNorm(update, clipNorm);
}

export class DeviceTrainer {
  /** Keyed by the model's configuration: a new family starts from zero. Never leaves the device. */
  readonly #privateVectors = new Map<string, Float32Array>();
  /** The history as item indices, per catalog (versions of one family share their catalog). */
  readonly #indexed = new WeakMap<ReadonlyMap<string, number>, Int32Array[]>();

  private readonly random: () => number;
  private readonly holdOutLastOrder: boolean;

  constructor(
    private readonly orders: readonly DeviceOrder[],
    options: {
      /** Uniforms in [0, 1) for negative sampling and example order (not security-relevant). */
      readonly random?: () => number;
      /** Evaluation devices: train on every order but the last, which `evaluate` predicts. */
      readonly holdOutLastOrder?: boolean;
    } = {},
  ) {
    this.random = options.random ?? Math.random;
    this.holdOutLastOrder = options.holdOutLastOrder ?? false;
  }

  /** The history as the model's item indices; items the model's catalog does not have are dropped. */
  private ordersFor(model: OnDeviceModel): Int32Array[] {
    let indexed = this.#indexed.get(model.indexOf);
    if (indexed === undefined) {
      indexed = this.orders
        .map((order) => Int32Array.from(order.flatMap((itemId) => (model.indexOf.has(itemId) ? [model.indexOf.get(itemId)!] : []))))
        .filter((order) => order.length > 0);
      this.#indexed.set(model.indexOf, indexed);
    }
    return indexed;
  }

  /** The orders the device learns from. */
  private trainingOrders(model: OnDeviceModel): Int32Array[] {
    const orders = this.ordersFor(model);
    return this.holdOutLastOrder ? orders.slice(0, -1) : orders;
  }

  /** Trains on the device's history (every order, or all but the held-out last) and returns the clipped update for the round. */
  computeUpdate(model: OnDeviceModel, clipNorm: number): DeviceUpdate {
    const family = model.family;
    const result = trainOnDevice({
      model: model.model,
      params: model.params,
      items: model.items,
      orders: this.trainingOrders(model),
      privateVector: this.#privateVectors.get(family) ?? null,
      plan: model.training,
      random: this.random,
    });
    this.#privateVectors.set(family, result.privateVector);
    const normBeforeClip = l2Norm(result.delta);
    return { update: clipUpdate(result.delta, clipNorm), normBeforeClip, loss: result.loss, examples: result.examples };
  }

  /**
   * The private vector this device fitted for `model`'s family, if it trained one: for the app's
   * own use on the device (and tests that check it never leaves); never send it anywhere.
   */
  privateVectorOf(model: OnDeviceModel): Float32Array | undefined {
    return this.#privateVectors.get(model.family);
  }

  /** On-device recommendations: the model's top `limit` items for this user's whole history. */
  recommend(model: OnDeviceModel, limit: number, exclude: ReadonlySet<string> = new Set()): RankedItem[] {
    const scores = this.scoreAll(model, this.trainingOrders(model), this.#privateVectors.get(model.family), this.random);
    const ranked: RankedItem[] = [];
    for (let i = 0; i < scores.length; i++) if (!exclude.has(model.itemIds[i]!)) ranked.push({ itemId: model.itemIds[i]!, score: scores[i]! });
    ranked.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
    return ranked.slice(0, limit);
  }

  /**
   * Leave-last-order-out metrics of `model` on this device (null with fewer than two orders): the
   * server adds the sums of many devices and never sees a history. The private vector is refitted
   * from zero on the context orders, so nothing learnt from the held-out order is used. Every draw
   * (the 99 negatives, the refit's negatives) comes from `random`: the same model and `random`
   * give the same metrics whatever the device did before.
   */
  evaluate(model: OnDeviceModel, random: () => number = this.random): MetricSums | null {
    const orders = this.ordersFor(model);
    // The sampled and the full-catalog metrics score the same context: fit and score it once.
    let scored: { context: readonly Int32Array[]; scores: Float64Array } | undefined;
    return evaluateUser({ orders }, (context, candidates) => {
      if (scored?.context !== context) scored = { context, scores: this.scoreAll(model, context, null, random) };
      const { scores } = scored;
      return Float32Array.from(candidates, (i) => scores[i]!);
    }, { itemCount: model.itemIds.length, random });
  }

  /** Scores of every catalog item for a user with these orders (private vector fitted on them first). */
  private scoreAll(model: OnDeviceModel, orders: readonly Int32Array[], start: Float32Array | null | undefined, random: () => number): Float64Array {
    const examples = historyExamples(orders, model.model, model.training.maxExamplesPerEpoch);
    const privateVector = reconstructPrivateVector(model.model, model.params, model.items, examples, model.training, random, start);
    return model.scoreCatalog(orders, privateVector);
  }
}
