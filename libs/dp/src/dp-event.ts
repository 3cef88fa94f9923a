/**
 * DpEvent: an immutable, tagged description of what a mechanism did, in the shapes of Google's
 * dp_accounting (`dp_event.py`). Accountants read events; events never compute privacy.
 *
 * Invariant: an event is deeply frozen and validated on construction, so an accountant (or the
 * ledger that stores events) can never see a half-built or out-of-range mechanism.
 */
import { check } from './dp-error';

/** Gaussian noise of standard deviation noiseMultiplier × L2 sensitivity on a sum. */
export interface GaussianEvent {
  readonly kind: 'gaussian';
  readonly noiseMultiplier: number;
}

/** Laplace noise of scale noiseMultiplier × L1 sensitivity. */
export interface LaplaceEvent {
  readonly kind: 'laplace';
  readonly noiseMultiplier: number;
}

/** Each record (user) joins the sample independently with probability samplingRate. */
export interface PoissonSampledEvent {
  readonly kind: 'poissonSampled';
  readonly samplingRate: number;
  readonly event: DpEvent;
}

/** A uniformly random subset of exactly sampleSize of populationSize records (fixed cohorts). */
export interface SampledWithoutReplacementEvent {
  readonly kind: 'sampledWithoutReplacement';
  readonly populationSize: number;
  readonly sampleSize: number;
  readonly event: DpEvent;
}

/** `count` adaptive repetitions of the same event. */
export interface SelfComposedEvent {
  readonly kind: 'selfComposed';
  readonly event: DpEvent;
  readonly count: number;
}

/** A sequence of (possibly adaptive) events. */
export interface ComposedEvent {
  readonly kind: 'composed';
  readonly events: readonly DpEvent[];
}

export type DpEvent =
  | GaussianEvent
  | LaplaceEvent
  | PoissonSampledEvent
  | SampledWithoutReplacementEvent
  | SelfComposedEvent
  | ComposedEvent;

export type DpEventKind = DpEvent['kind'];

const isFiniteNonNegative = (x: number) => Number.isFinite(x) && x >= 0;

export function gaussianEvent(noiseMultiplier: number): GaussianEvent {
  check(isFiniteNonNegative(noiseMultiplier), 'noiseMultiplier', 'a finite number >= 0', noiseMultiplier);
  return Object.freeze({ kind: 'gaussian', noiseMultiplier });
}

export function laplaceEvent(noiseMultiplier: number): LaplaceEvent {
  check(isFiniteNonNegative(noiseMultiplier), 'noiseMultiplier', 'a finite number >= 0', noiseMultiplier);
  return Object.freeze({ kind: 'laplace', noiseMultiplier });
}

export function poissonSampled(samplingRate: number, event: DpEvent): PoissonSampledEvent {
  check(samplingRate >= 0 && samplingRate <= 1, 'samplingRate', 'in [0, 1]', samplingRate);
  assertEvent(event, 'event');
  return Object.freeze({ kind: 'poissonSampled', samplingRate, event });
}

export function sampledWithoutReplacement(
  populationSize: number,
  sampleSize: number,
  event: DpEvent,
): SampledWithoutReplacementEvent {
  check(Number.isSafeInteger(populationSize) && populationSize >= 1, 'populationSize', 'an integer >= 1', populationSize);
  check(
    Number.isSafeInteger(sampleSize) && sampleSize >= 0 && sampleSize <= populationSize,
    'sampleSize',
    `an integer in [0, populationSize=${populationSize}]`,
    sampleSize,
  );
  assertEvent(event, 'event');
  return Object.freeze({ kind: 'sampledWithoutReplacement', populationSize, sampleSize, event });
}

export function selfComposed(event: DpEvent, count: number): SelfComposedEvent {
  assertEvent(event, 'event');
  check(Number.isSafeInteger(count) && count >= 0, 'count', 'an integer >= 0', count);
  return Object.freeze({ kind: 'selfComposed', event, count });
}

export function composed(events: readonly DpEvent[]): ComposedEvent {
  check(Array.isArray(events), 'events', 'an array of DpEvent', events);
  events.forEach((e, i) => assertEvent(e, `events[${i}]`));
  return Object.freeze({ kind: 'composed', events: Object.freeze([...events]) });
}

const KINDS: ReadonlySet<string> = new Set<DpEventKind>([
  'gaussian',
  'laplace',
  'poissonSampled',
  'sampledWithoutReplacement',
  'selfComposed',
  'composed',
]);

function assertEvent(event: unknown, name: string): asserts event is DpEvent {
  const kind = (event as { kind?: unknown } | null)?.kind;
  check(typeof kind === 'string' && KINDS.has(kind), name, 'a DpEvent', JSON.stringify(event));
}

/** A one-line description for error messages and logs, e.g. `poissonSampled(0.01, gaussian(1))`. */
export function describeEvent(event: DpEvent): string {
  switch (event.kind) {
    case 'gaussian':
    case 'laplace':
      return `${event.kind}(${event.noiseMultiplier})`;
    case 'poissonSampled':
      return `poissonSampled(${event.samplingRate}, ${describeEvent(event.event)})`;
    case 'sampledWithoutReplacement':
      return `sampledWithoutReplacement(${event.populationSize}, ${event.sampleSize}, ${describeEvent(event.event)})`;
    case 'selfComposed':
      return `selfComposed(${describeEvent(event.event)}, ${event.count})`;
    case 'composed':
      return `composed([${event.events.map(describeEvent).join(', ')}])`;
  }
}

/**
 * The single Gaussian noise multiplier equivalent to a tree of Gaussians run on the same sample:
 * z_eff = (Σ z_i^{-2})^{-1/2} (dp_accounting's _effective_gaussian_noise_multiplier); undefined if
 * the tree contains anything else. Queries on the same sample add their squared sensitivities
 * (Mironov, Talwar & Zhang 2019, Sec. 3), so the tree is one Gaussian query.
 */
export function effectiveGaussianNoise(event: DpEvent): number | undefined {
  switch (event.kind) {
    case 'gaussian':
      return event.noiseMultiplier;
    case 'selfComposed': {
      const z = effectiveGaussianNoise(event.event);
      return z === undefined ? undefined : z / Math.sqrt(event.count);
    }
    case 'composed': {
      let inverseSquares = 0;
      for (const e of event.events) {
        const z = effectiveGaussianNoise(e);
        if (z === undefined) return undefined;
        inverseSquares += 1 / (z * z);
      }
      return 1 / Math.sqrt(inverseSquares);
    }
    default:
      return undefined;
  }
}
