/**
 * From an RDP curve (orders α_i, values r_i) to (ε, δ)-DP, with the conversion dp_accounting
 * uses today (compute_epsilon / compute_delta).
 *
 * ε(δ) = min_i r_i + log(1 − 1/α_i) − log(δ·α_i)/(α_i − 1)
 *   (Canonne, Kamath & Steinke 2020, arXiv:2004.00010, Prop. 12 in v4; also Asoodeh et al. 2020,
 *   arXiv:2001.05990, Eq. 20), taken only for α_i > 1.01 where it is numerically stable;
 * plus ε = 0 whenever δ² ≥ 1 − e^{−r_i} (the KL bound δ ≤ √(1 − e^{−KL})).
 * δ(ε) = min_i min(√(1 − e^{−r_i}), exp((α_i − 1)(r_i − ε + log(1 − 1/α_i)) − log α_i)).
 *
 * Invariant: both are valid conversions for every order (a minimum over valid bounds is valid),
 * so a coarser order grid can only make ε larger, never smaller.
 */
import { check } from './dp-error';

export interface EpsilonAndOrder {
  readonly epsilon: number;
  readonly order: number;
}

export interface DeltaAndOrder {
  readonly delta: number;
  readonly order: number;
}

export function epsilonFromRdp(orders: ArrayLike<number>, rdp: ArrayLike<number>, delta: number): EpsilonAndOrder {
  check(delta >= 0 && delta <= 1, 'delta', 'in [0, 1]', delta);
  check(orders.length === rdp.length && orders.length > 0, 'orders', 'as long as rdp and non-empty', orders.length);
  if (delta === 0) {
    return Array.prototype.every.call(rdp, (r: number) => r === 0)
      ? { epsilon: 0, order: 0 }
      : { epsilon: Infinity, order: 0 };
  }
  let best = Infinity;
  let bestOrder = orders[0];
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i];
    const r = rdp[i];
    check(a >= 1, 'orders', 'all >= 1', a);
    let eps: number;
    if (r < 0) eps = 0; // only from numerical noise on a non-private-loss event; as dp_accounting
    else if (delta * delta + Math.expm1(-r) > 0) eps = 0;
    else if (a > 1.01) eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    else eps = Infinity;
    if (eps < best) {
      best = eps;
      bestOrder = a;
    }
  }
  return { epsilon: Math.max(0, best), order: bestOrder };
}

export function deltaFromRdp(orders: ArrayLike<number>, rdp: ArrayLike<number>, epsilon: number): DeltaAndOrder {
  check(epsilon >= 0, 'epsilon', '>= 0', epsilon);
  check(orders.length === rdp.length && orders.length > 0, 'orders', 'as long as rdp and non-empty', orders.length);
  let best = Infinity;
  let bestOrder = orders[0];
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i];
    const r = rdp[i];
    check(a >= 1, 'orders', 'all >= 1', a);
    let logDelta: number;
    if (r <= 0) logDelta = -Infinity;
    else logDelta = 0.5 * Math.log1p(-Math.exp(-r));
    if (a > 1.01) {
      const bound = (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a);
      logDelta = Math.min(logDelta, bound);
    }
    if (logDelta < best) {
      best = logDelta;
      bestOrder = a;
    }
  }
  return { delta: Math.min(Math.exp(best), 1), order: bestOrder };
}
