/**
 * Training on one device, as federated reconstruction prescribes (Singhal et al. 2021, Alg. 1):
 * first fit the private per-user vector p with the shared parameters frozen (reconstruction),
 * then take SGD steps on the shared parameters with p frozen. Only the shared delta leaves the
 * device (clipped and quantized by the SDK); p stays in the device's state for the next round.
 *
 * One training example is one order of the user's history: the orders before it are the context,
 * its items the positives, `negatives` catalog items drawn uniformly the negatives.
 *
 * Invariant: the returned delta has exactly `layout.size` finite entries; a device with fewer than
 * two orders has nothing to learn from and returns a zero delta.
 */
import type { LocalTrainingPlan } from '@cohort/contracts';
import { type TwoTowerModel, type ItemInputs, type TwoTowerLoss } from './two-tower-model';
import { buildUserContext, type UserContext } from './user-context';

export interface DeviceTrainingInput {
  readonly model: TwoTowerModel;
  /** The round's global shared parameters (not modified). */
  readonly params: Float32Array;
  readonly items: ItemInputs;
  /** The user's orders, oldest first, as catalog indices. */
  readonly orders: readonly Int32Array[];
  /** The private vector from the device's last round; zeros when absent. */
  readonly privateVector?: Float32Array | null;
  readonly plan: LocalTrainingPlan;
  /** Uniform [0, 1): negative sampling and example order. Simulation may seed it. */
  readonly random: () => number;
}

export interface DeviceTrainingResult {
  /** local − global shared parameters: the update, before clipping. */
  readonly delta: Float32Array;
  readonly privateVector: Float32Array;
  /** Mean training loss of the last shared epoch (NaN when there was no example). */
  readonly loss: number;
  readonly examples: number;
}

interface Example {
  readonly context: UserContext;
  readonly positives: Int32Array;
}

/** The training examples of a history: each order (but the first) against the orders before it. */
export function historyExamples(orders: readonly Int32Array[], model: TwoTowerModel, maxExamples: number): Example[] {
  const examples: Example[] = [];
  for (let k = Math.max(1, orders.length - maxExamples); k < orders.length; k++) {
    const positives = Int32Array.from(new Set(orders[k]));
    if (positives.length > 0) examples.push({ context: buildUserContext(orders.slice(0, k), model.layout.config), positives });
  }
  return examples;
}

function sampleNegatives(count: number, itemCount: number, random: () => number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.floor(random() * itemCount);
  return out;
}

function shuffled<T>(values: readonly T[], random: () => number): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Fits the private vector to `examples` with the shared parameters frozen: SGD on the loss plus
 * privateL2·‖p‖²/2. Used before local training and before evaluating or ranking for a user.
 */
export function reconstructPrivateVector(
  model: TwoTowerModel, params: Float32Array | Float64Array, items: ItemInputs, examples: readonly Example[],
  plan: LocalTrainingPlan, random: () => number, start?: Float32Array | null,
): Float32Array {
  const p = new Float64Array(model.e);
  if (start != null) p.set(start);
  const g = new Float64Array(model.e);
  for (let epoch = 0; epoch < plan.reconstructionEpochs; epoch++) {
    for (const example of shuffled(examples, random)) {
      g.fill(0);
      const negatives = sampleNegatives(plan.negatives, items.count, random);
      model.lossAndGradient(params, p, items, example.context, example.positives, negatives, { loss: plan.loss }, null, g);
      for (let k = 0; k < model.e; k++) p[k] -= plan.privateLearningRate * (g[k]! + plan.privateL2 * p[k]!);
    }
  }
  return Float32Array.from(p);
}

export function trainOnDevice(input: DeviceTrainingInput): DeviceTrainingResult {
  const { model, params, items, plan, random } = input;
  model.checkParams(params, input.privateVector);
  model.checkItems(items);
  const examples = historyExamples(input.orders, model, plan.maxExamplesPerEpoch);
  const privateVector = reconstructPrivateVector(model, params, items, examples, plan, random, input.privateVector);
  const local = Float64Array.from(params);
  const grad = new Float64Array(local.length);
  let lastLoss = NaN;
  for (let epoch = 0; epoch < plan.epochs && examples.length > 0; epoch++) {
    let total = 0;
    for (const example of shuffled(examples, random)) {
      grad.fill(0);
      const negatives = sampleNegatives(plan.negatives, items.count, random);
      total += model.lossAndGradient(local, privateVector, items, example.context, example.positives, negatives, { loss: plan.loss }, grad, null);
      for (let i = 0; i < local.length; i++) if (grad[i] !== 0) local[i] -= plan.learningRate * grad[i]!;
    }
    lastLoss = total / examples.length;
  }
  const delta = new Float32Array(local.length);
  for (let i = 0; i < local.length; i++) delta[i] = local[i]! - params[i]!;
  return { delta, privateVector, loss: lastLoss, examples: examples.length };
}

/** Test-time loss of `examples` (no gradient), e.g. for federated evaluation of held-out orders. */
export function exampleLoss(model: TwoTowerModel, params: Float32Array, privateVector: Float32Array | null, items: ItemInputs, examples: readonly Example[], plan: LocalTrainingPlan, random: () => number): number {
  let total = 0;
  for (const example of examples) {
    total += model.lossAndGradient(params, privateVector, items, example.context, example.positives, sampleNegatives(plan.negatives, items.count, random), { loss: plan.loss }, null, null);
  }
  return examples.length === 0 ? NaN : total / examples.length;
}

export type { TwoTowerLoss };
