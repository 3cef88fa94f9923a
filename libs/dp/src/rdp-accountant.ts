/**
 * RDP accountant: composes DpEvents by adding their Rényi-DP curves order by order (Mironov
 * 2017, arXiv:1702.07476, Prop. 1) and converts the total to (ε, δ) (see rdp-conversion.ts).
 *
 * Supported events, as in dp_accounting's RdpAccountant:
 *  - gaussian, laplace (any relation);
 *  - poissonSampled(q, E) with E a gaussian or a composed/selfComposed tree of gaussians
 *    (add-or-remove relation), reduced to one Gaussian of noise (Σ z_i^{-2})^{-1/2}
 *    (Mironov, Talwar & Zhang 2019, Sec. 3 — queries on the same sample add their sensitivities);
 *  - sampledWithoutReplacement(n, m, E) with E as above (replace-one relation);
 *  - selfComposed, composed of the above.
 *
 * Invariant: `compose` never under-counts. An event this accountant cannot bound is refused with
 * DpError(UnsupportedEvent) before any state changes; `supports` answers the same question
 * without throwing.
 */
import { DpError, DpErrorCode, check } from './dp-error';
import { type DpEvent, describeEvent, effectiveGaussianNoise } from './dp-event';
import { type DeltaAndOrder, type EpsilonAndOrder, deltaFromRdp, epsilonFromRdp } from './rdp-conversion';
import { rdpLaplace, rdpSampledWithoutReplacementGaussian } from './rdp-other-mechanisms';
import { type RdpMode, rdpPoissonSubsampledGaussian } from './rdp-subsampled-gaussian';

/** Who is a neighbour of a dataset: one user added or removed, or one user replaced. */
export type NeighboringRelation = 'addOrRemoveOne' | 'replaceOne';

/** dp_accounting's DEFAULT_RDP_ORDERS: 1.1 … 10.9 by 0.1, 11 … 63, 128, 256, 512, 1024. */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 53 }, (_, i) => 11 + i),
  128,
  256,
  512,
  1024,
]);

export interface RdpAccountantOptions {
  /** RDP orders α > 1 to track (default: DEFAULT_RDP_ORDERS). */
  readonly orders?: readonly number[];
  /** 'exact' (default) or dp_accounting's 'conservative' fractional-order series. */
  readonly mode?: RdpMode;
  readonly neighboringRelation?: NeighboringRelation;
}

/** An RDP increment to add `count` times, or why the event cannot be accounted. */
type Plan = { readonly ok: true; readonly steps: readonly Step[] } | { readonly ok: false; readonly reason: string };
type Step = { readonly count: number; readonly rdp: () => Float64Array };

export class RdpAccountant {
  readonly orders: readonly number[];
  readonly mode: RdpMode;
  readonly neighboringRelation: NeighboringRelation;
  private readonly total: Float64Array;

  constructor(options: RdpAccountantOptions = {}) {
    const orders = options.orders ?? DEFAULT_RDP_ORDERS;
    check(orders.length > 0, 'orders', 'non-empty', orders.length);
    orders.forEach((a, i) => check(a > 1, `orders[${i}]`, '> 1', a));
    this.orders = Object.freeze([...orders]);
    this.mode = options.mode ?? 'exact';
    check(this.mode === 'exact' || this.mode === 'conservative', 'mode', "'exact' or 'conservative'", this.mode);
    this.neighboringRelation = options.neighboringRelation ?? 'addOrRemoveOne';
    check(
      this.neighboringRelation === 'addOrRemoveOne' || this.neighboringRelation === 'replaceOne',
      'neighboringRelation',
      "'addOrRemoveOne' or 'replaceOne'",
      this.neighboringRelation,
    );
    this.total = new Float64Array(this.orders.length);
  }

  /** Whether `compose(event)` would succeed. */
  supports(event: DpEvent): boolean {
    return this.plan(event, 1).ok;
  }

  /** Adds `count` repetitions of `event` to the running total; throws if unsupported. */
  compose(event: DpEvent, count = 1): this {
    check(Number.isSafeInteger(count) && count >= 0, 'count', 'an integer >= 0', count);
    const plan = this.plan(event, count);
    if (!plan.ok) {
      throw new DpError(
        DpErrorCode.UnsupportedEvent,
        `RdpAccountant(${this.neighboringRelation}) cannot account ${describeEvent(event)}: ${plan.reason}. ` +
          'Use an event this accountant supports (see supports()) rather than under-count.',
      );
    }
    for (const step of plan.steps) {
      if (step.count === 0) continue;
      const rdp = step.rdp();
      for (let i = 0; i < rdp.length; i++) this.total[i] += step.count * rdp[i];
    }
    return this;
  }

  /** The accumulated RDP at each order (a copy). */
  get rdp(): Float64Array {
    return Float64Array.from(this.total);
  }

  getEpsilon(delta: number): number {
    return this.getEpsilonAndOrder(delta).epsilon;
  }

  getEpsilonAndOrder(delta: number): EpsilonAndOrder {
    return epsilonFromRdp(this.orders, this.total, delta);
  }

  getDelta(epsilon: number): number {
    return this.getDeltaAndOrder(epsilon).delta;
  }

  getDeltaAndOrder(epsilon: number): DeltaAndOrder {
    return deltaFromRdp(this.orders, this.total, epsilon);
  }

  private plan(event: DpEvent, count: number): Plan {
    const { orders, mode } = this;
    switch (event.kind) {
      case 'gaussian':
        return ok(count, () => rdpPoissonSubsampledGaussian(1, event.noiseMultiplier, orders, mode));
      case 'laplace':
        return ok(count, () => rdpLaplace(event.noiseMultiplier, orders));
      case 'poissonSampled': {
        if (this.neighboringRelation !== 'addOrRemoveOne') {
          return fail('Poisson sampling is accounted under the addOrRemoveOne relation only');
        }
        const z = effectiveGaussianNoise(event.event);
        if (z === undefined) return fail('the sampled event must be Gaussian (or a composition of Gaussians)');
        return ok(count, () => rdpPoissonSubsampledGaussian(event.samplingRate, z, orders, mode));
      }
      case 'sampledWithoutReplacement': {
        if (this.neighboringRelation !== 'replaceOne') {
          return fail('sampling without replacement is accounted under the replaceOne relation only');
        }
        const z = effectiveGaussianNoise(event.event);
        if (z === undefined) return fail('the sampled event must be Gaussian (or a composition of Gaussians)');
        const q = event.sampleSize / event.populationSize;
        return ok(count, () => rdpSampledWithoutReplacementGaussian(q, z, orders));
      }
      case 'selfComposed':
        return this.plan(event.event, count * event.count);
      case 'composed': {
        const steps: Step[] = [];
        for (const e of event.events) {
          const p = this.plan(e, count);
          if (!p.ok) return p;
          steps.push(...p.steps);
        }
        return { ok: true, steps };
      }
    }
  }
}

const ok = (count: number, rdp: () => Float64Array): Plan => ({ ok: true, steps: [{ count, rdp }] });
const fail = (reason: string): Plan => ({ ok: false, reason });
