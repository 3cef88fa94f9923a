/**
 * PLD accountant (add-or-remove relation): composes the privacy loss distributions of Gaussian and
 * Laplace mechanisms, plain or Poisson-subsampled, by convolution, and reads ε(δ) or δ(ε) off the
 * result — dp_accounting's PLDAccountant, including its defaults (Connect-the-Dots pessimistic
 * discretisation, tail truncation 1e-15).
 *
 * For q < 1 the REMOVE and ADD distributions differ; both are composed and the worse one is
 * reported: ε = max(ε_remove, ε_add), δ = max(δ_remove, δ_add).
 * `count` repetitions of a Gaussian are one Gaussian of noise z/√count (the sum of Gaussians);
 * every other repeated event is self-composed by FFT exponentiation (pld-pmf.ts).
 *
 * Invariant: never under-counts — unsupported events (sampling without replacement, Poisson
 * sampling of anything but a Gaussian or Laplace) are refused with DpError(UnsupportedEvent), and
 * every step of discretisation and composition is pessimistic.
 */
import { DpError, DpErrorCode, check } from './dp-error';
import { type DpEvent, describeEvent, effectiveGaussianNoise } from './dp-event';
import { type MechanismPld, gaussianPld, laplacePld } from './pld-mechanisms';
import {
  type PldPmf,
  composePmf,
  deltaForEpsilon,
  epsilonForDelta,
  identityPmf,
  selfComposePmf,
} from './pld-pmf';

export interface PldAccountantOptions {
  /** Grid step of the privacy loss (dp_accounting's value_discretization_interval; default 1e-4). */
  readonly valueDiscretizationInterval?: number;
}

/** One mechanism to compose `count` times; `build: null` marks a noiseless (non-private) one. */
type Leaf = { readonly count: number; readonly build: (() => MechanismPld) | null; readonly selfCompose: boolean };
type Plan = { readonly ok: true; readonly leaves: readonly Leaf[] } | { readonly ok: false; readonly reason: string };

export class PldAccountant {
  readonly valueDiscretizationInterval: number;
  private remove: PldPmf;
  private add: PldPmf;
  private nonPrivate = false;

  constructor(options: PldAccountantOptions = {}) {
    const interval = options.valueDiscretizationInterval ?? 1e-4;
    check(Number.isFinite(interval) && interval > 0, 'valueDiscretizationInterval', 'a finite number > 0', interval);
    this.valueDiscretizationInterval = interval;
    this.remove = identityPmf(interval);
    this.add = this.remove;
  }

  supports(event: DpEvent): boolean {
    return this.plan(event, 1).ok;
  }

  compose(event: DpEvent, count = 1): this {
    check(Number.isSafeInteger(count) && count >= 0, 'count', 'an integer >= 0', count);
    const plan = this.plan(event, count);
    if (!plan.ok) {
      throw new DpError(
        DpErrorCode.UnsupportedEvent,
        `PldAccountant cannot account ${describeEvent(event)}: ${plan.reason}. ` +
          'Use the RdpAccountant for it, or an event this accountant supports, rather than under-count.',
      );
    }
    for (const leaf of plan.leaves) {
      if (leaf.count === 0) continue;
      if (leaf.build === null) {
        this.nonPrivate = true; // ε = ∞ from now on (dp_accounting's NonPrivateDpEvent)
        continue;
      }
      const pld = leaf.build();
      const times = leaf.selfCompose ? leaf.count : 1;
      const remove = selfComposePmf(pld.remove, times);
      const add = pld.add ? selfComposePmf(pld.add, times) : remove;
      const symmetric = this.add === this.remove && pld.add === null;
      this.remove = composePmf(this.remove, remove);
      this.add = symmetric ? this.remove : composePmf(this.add, add);
    }
    return this;
  }

  getEpsilon(delta: number): number {
    check(delta >= 0 && delta <= 1, 'delta', 'in [0, 1]', delta);
    if (this.nonPrivate) return Infinity;
    const e = epsilonForDelta(this.remove, delta);
    return this.add === this.remove ? e : Math.max(e, epsilonForDelta(this.add, delta));
  }

  getDelta(epsilon: number): number {
    check(epsilon >= 0, 'epsilon', '>= 0', epsilon);
    if (this.nonPrivate) return 1;
    const d = deltaForEpsilon(this.remove, epsilon);
    return this.add === this.remove ? d : Math.max(d, deltaForEpsilon(this.add, epsilon));
  }

  private plan(event: DpEvent, count: number): Plan {
    const h = this.valueDiscretizationInterval;
    switch (event.kind) {
      case 'gaussian': {
        const z = event.noiseMultiplier;
        if (z === 0) return leaf(count, null, false);
        return leaf(count, () => gaussianPld(z / Math.sqrt(count), 1, h), false);
      }
      case 'laplace': {
        const b = event.noiseMultiplier;
        if (b === 0) return leaf(count, null, false);
        return leaf(count, () => laplacePld(b, 1, h), true);
      }
      case 'poissonSampled': {
        const q = event.samplingRate;
        const inner = event.event;
        // A tree of Gaussians on one sample is one Gaussian of the effective noise.
        const noise = inner.kind === 'laplace' ? inner.noiseMultiplier : effectiveGaussianNoise(inner);
        if (noise === undefined) {
          return { ok: false, reason: 'the sampled event must be a Laplace, a Gaussian or a composition of Gaussians' };
        }
        if (q === 0) return { ok: true, leaves: [] };
        if (noise === 0) return leaf(count, null, false);
        if (noise === Infinity) return { ok: true, leaves: [] };
        const make = inner.kind === 'laplace' ? laplacePld : gaussianPld;
        return leaf(count, () => make(noise, q, h), true);
      }
      case 'sampledWithoutReplacement':
        return { ok: false, reason: 'sampling without replacement has no PLD here (use the RdpAccountant)' };
      case 'selfComposed':
        return this.plan(event.event, count * event.count);
      case 'composed': {
        const leaves: Leaf[] = [];
        for (const e of event.events) {
          const p = this.plan(e, count);
          if (!p.ok) return p;
          leaves.push(...p.leaves);
        }
        return { ok: true, leaves };
      }
    }
  }
}

const leaf = (count: number, build: (() => MechanismPld) | null, selfCompose: boolean): Plan => ({
  ok: true,
  leaves: [{ count, build, selfCompose }],
});
