#!/usr/bin/env python3
"""Generates the reference fixtures of @cohort/dp (libs/dp/fixtures/*.json).

Invariant: every number the TypeScript tests compare against comes from an independent
reference -- Google's `dp_accounting` (PyPI) for the accountant's own algorithms, and
`mpmath` at 30 significant digits for the exact Renyi divergence of the Poisson-subsampled
Gaussian -- never from @cohort/dp itself. The tests read the JSON; they never run Python.

Run it with tools/dp-fixtures/generate.sh (creates a throwaway virtualenv under .cache/).

Sources:
  Mironov, Talwar, Zhang 2019, "Renyi Differential Privacy of the Sampled Gaussian Mechanism"
  (arXiv:1908.10530), Sec. 3.3: A_alpha as the signed series A_0 + A_1.
  Wang, Balle, Kasiviswanathan 2019 (arXiv:1808.00087), Thm 27: sampling without replacement.
  Canonne, Kamath, Steinke 2020 (arXiv:2004.00010), Prop. 12: RDP -> (eps, delta).
"""

import json
import math
import multiprocessing
import os
import platform
import sys
import time

import dp_accounting
import mpmath as mp
from dp_accounting import dp_event
from dp_accounting.pld import pld_privacy_accountant
from dp_accounting.pld import privacy_loss_distribution as pld_lib
from dp_accounting.rdp import rdp_privacy_accountant as rdp_lib

DPS = 30
OUT_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), '..', '..', 'libs', 'dp', 'fixtures')

ORDERS = rdp_lib.DEFAULT_RDP_ORDERS
QS = [0.001, 0.01, 0.05, 0.1, 0.3, 0.5, 0.9, 1.0]
ZS = [0.5, 0.8, 1.0, 2.0, 4.0]
STEPS = [1, 10, 100, 1000, 10000]
DELTAS = [1e-5, 1e-6]
EPSILONS_FOR_DELTA = [0.5, 2.0, 8.0]


# ---------------------------------------------------------------- high precision references

def mp_log_a_exact(q, sigma, alpha):
  """log A_alpha, exact, at DPS digits. Integer alpha: the finite binomial sum.

  Fractional alpha: the signed series of MTZ19 Sec. 3.3 (binomial coefficients keep their
  sign), summed by mpmath.nsum with convergence acceleration.
  """
  mp.mp.dps = DPS
  q, s, a = mp.mpf(q), mp.mpf(sigma), mp.mpf(alpha)
  if float(alpha).is_integer():
    n = int(alpha)
    total = mp.fsum(
        mp.binomial(n, k) * q**k * (1 - q)**(n - k) * mp.exp(mp.mpf(k * k - k) / (2 * s**2))
        for k in range(n + 1))
    return mp.log(total)
  z0 = s**2 * mp.log(1 / q - 1) + mp.mpf(1) / 2
  sq2s = mp.sqrt(2) * s

  def term(k):
    k = mp.mpf(k)
    j = a - k
    b = mp.binomial(a, k)
    t0 = b * q**k * (1 - q)**j * mp.exp((k * k - k) / (2 * s**2)) * mp.erfc((k - z0) / sq2s) / 2
    t1 = b * q**j * (1 - q)**k * mp.exp((j * j - j) / (2 * s**2)) * mp.erfc((z0 - j) / sq2s) / 2
    return t0 + t1

  return mp.log(mp.nsum(term, [0, mp.inf]))


def mp_log_a_quadrature(q, sigma, alpha):
  """log A_alpha by the defining integral E_{z~N(0,s^2)}[(1-q+q L(z))^alpha] (cross-check)."""
  mp.mp.dps = DPS
  q, s, a = mp.mpf(q), mp.mpf(sigma), mp.mpf(alpha)
  z0 = s**2 * mp.log(1 / q - 1) + mp.mpf(1) / 2

  def g(z):
    x = q * (mp.exp((2 * z - 1) / (2 * s**2)) - 1)
    return mp.npdf(z, 0, s) * ((1 + x)**a - 1 - a * x)

  cuts = sorted({-mp.inf, -20 * s, mp.mpf(0), mp.mpf(1) / 2, a, a + 20 * s, mp.inf}
                | ({z0} if -20 * s < z0 < a + 20 * s else set()))
  return mp.log1p(mp.quad(g, cuts))


def mp_log_a_dp_accounting_frac(q, sigma, alpha):
  """dp_accounting's _compute_log_a_frac (absolute values of the series terms, its stopping
  rule, at most 1000 terms, +inf when it does not converge) evaluated at DPS digits."""
  mp.mp.dps = DPS
  q, s, a = mp.mpf(q), mp.mpf(sigma), mp.mpf(alpha)
  z0 = s**2 * mp.log(1 / q - 1) + mp.mpf(1) / 2
  sq2s = mp.sqrt(2) * s
  a0 = a1 = mp.mpf(0)
  last0 = last1 = mp.mpf(0)
  for i in range(1000):
    coef = abs(mp.binomial(a, i))
    j = a - i
    s0 = coef * q**i * (1 - q)**j * mp.exp((i * i - i) / (2 * s**2)) * mp.erfc((i - z0) / sq2s) / 2
    s1 = coef * q**j * (1 - q)**i * mp.exp((j * j - j) / (2 * s**2)) * mp.erfc((z0 - j) / sq2s) / 2
    a0 += s0
    a1 += s1
    total = a0 + a1
    if i > 0 and s0 < last0 and s1 < last1 and max(s0, s1) < total * mp.exp(-30):
      return mp.log(total)
    last0, last1 = s0, s1
  return mp.inf


def mp_rdp(q, sigma, alpha, kind):
  if q == 1.0:
    return mp.mpf(alpha) / (2 * mp.mpf(sigma)**2)
  if kind == 'exact' or float(alpha).is_integer():
    return mp_log_a_exact(q, sigma, alpha) / (mp.mpf(alpha) - 1)
  return mp_log_a_dp_accounting_frac(q, sigma, alpha) / (mp.mpf(alpha) - 1)


def mp_epsilon(orders, rdp, delta):
  """CKS20 Prop. 12 (as in dp_accounting.compute_epsilon), at DPS digits."""
  mp.mp.dps = DPS
  best, best_order = mp.inf, orders[0]
  d = mp.mpf(delta)
  for a, r in zip(orders, rdp):
    a = mp.mpf(a)
    if r == mp.inf:
      eps = mp.inf
    elif d**2 + mp.expm1(-r) > 0:
      eps = mp.mpf(0)
    elif a > mp.mpf('1.01'):
      eps = r + mp.log1p(-1 / a) - mp.log(d * a) / (a - 1)
    else:
      eps = mp.inf
    if eps < best:
      best, best_order = eps, float(a)
  return max(mp.mpf(0), best), best_order


def rdp_pair(args):
  q, z = args
  exact = [mp_rdp(q, z, a, 'exact') for a in ORDERS]
  conservative = [mp_rdp(q, z, a, 'conservative') for a in ORDERS]
  # Cross-check the signed series against the defining integral on every 7th fractional order.
  worst = 0.0
  if q < 1.0:
    for i, a in enumerate(ORDERS):
      if not float(a).is_integer() and i % 7 == 0:
        ref = mp_log_a_quadrature(q, z, a) / (mp.mpf(a) - 1)
        worst = max(worst, float(abs(ref - exact[i]) / exact[i]))
    if worst > 1e-20:
      raise RuntimeError(f'series and integral disagree for q={q} z={z}: {worst}')
  return q, z, [float(x) for x in exact], [float(x) for x in conservative], exact, conservative, worst


def to_json_number(x):
  return None if math.isinf(x) else x


def rdp_fixture():
  pairs = [(q, z) for q in QS for z in ZS]
  results = []
  with multiprocessing.Pool(max(1, os.cpu_count() or 1)) as pool:
    for r in pool.imap_unordered(rdp_pair, pairs):
      results.append(r)
      print(f'  rdp q={r[0]} z={r[1]} done ({len(results)}/{len(pairs)})', flush=True)
  results.sort(key=lambda r: (r[0], r[1]))
  cases = []
  for q, z, exact, conservative, exact_mp, _cons_mp, worst in results:
    dpa = rdp_lib._compute_rdp_poisson_subsampled_gaussian(q, z, ORDERS)  # pylint: disable=protected-access
    eps = []
    for steps in STEPS:
      for delta in DELTAS:
        e_exact, o_exact = mp_epsilon(ORDERS, [steps * r for r in exact_mp], delta)
        acc = rdp_lib.RdpAccountant()
        acc.compose(dp_event.SelfComposedDpEvent(
            dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(z)), steps))
        e_cons, o_cons = acc.get_epsilon_and_optimal_order(delta)
        eps.append({'steps': steps, 'delta': delta,
                    'exact': float(e_exact), 'exactOrder': o_exact,
                    'dpAccounting': float(e_cons), 'dpAccountingOrder': float(o_cons)})
    deltas = []
    for steps in [1, 100, 10000]:
      acc = rdp_lib.RdpAccountant()
      acc.compose(dp_event.SelfComposedDpEvent(
          dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(z)), steps))
      for e in EPSILONS_FOR_DELTA:
        deltas.append({'steps': steps, 'epsilon': e, 'dpAccounting': acc.get_delta(e)})
    cases.append({
        'samplingRate': q, 'noiseMultiplier': z,
        'exact': [to_json_number(x) for x in exact],
        'conservative': [to_json_number(x) for x in conservative],
        'dpAccounting': [to_json_number(float(x)) for x in dpa],
        'seriesVsIntegralWorstRelative': worst,
        'epsilon': eps, 'delta': deltas,
    })
  return {
      'description': (
          'RDP of the Poisson-subsampled Gaussian at dp_accounting DEFAULT_RDP_ORDERS. '
          '`exact`: the signed series of MTZ19 Sec. 3.3 (integer orders: the binomial sum) '
          f'at {DPS} digits with mpmath, cross-checked against the defining integral. '
          '`conservative`: dp_accounting\'s algorithm (absolute values of the series terms, '
          'its stopping rule, null = +inf when it does not converge in 1000 terms) evaluated '
          f'at {DPS} digits. `dpAccounting`: dp_accounting\'s own float64 output. '
          'epsilon.exact: CKS20 Prop. 12 over `exact`*steps at high precision; '
          'epsilon.dpAccounting and delta.dpAccounting: RdpAccountant.get_epsilon/get_delta.'),
      'orders': list(ORDERS), 'cases': cases,
  }


def wor_fixture():
  cases = []
  for n, m, z in [(1000, 10, 1.0), (1000, 100, 0.8), (10000, 100, 2.0), (500, 250, 1.5), (100, 99, 4.0)]:
    event = dp_event.SampledWithoutReplacementDpEvent(n, m, dp_event.GaussianDpEvent(z))
    acc = rdp_lib.RdpAccountant(neighboring_relation=rdp_lib.NeighborRel.REPLACE_ONE)
    acc.compose(event)
    eps = []
    for steps in [1, 100, 1000]:
      acc_t = rdp_lib.RdpAccountant(neighboring_relation=rdp_lib.NeighborRel.REPLACE_ONE)
      acc_t.compose(dp_event.SelfComposedDpEvent(event, steps))
      for delta in DELTAS:
        eps.append({'steps': steps, 'delta': delta, 'dpAccounting': acc_t.get_epsilon(delta)})
    cases.append({'populationSize': n, 'sampleSize': m, 'noiseMultiplier': z,
                  'dpAccounting': [to_json_number(float(x)) for x in acc.rdp], 'epsilon': eps})
  laplace = []
  for b in [0.5, 1.0, 3.0]:
    acc = rdp_lib.RdpAccountant()
    acc.compose(dp_event.LaplaceDpEvent(b))
    laplace.append({'noiseMultiplier': b, 'dpAccounting': [float(x) for x in acc.rdp],
                    'epsilon1e5': acc.get_epsilon(1e-5)})
  return {'description': 'dp_accounting RdpAccountant values: sampling without replacement '
                         '(REPLACE_ONE, WBK19 Thm 27) and the Laplace mechanism.',
          'orders': list(ORDERS), 'withoutReplacement': cases, 'laplace': laplace}


PLD_CASES = [
    # (mechanism, q, noise, steps, interval)
    ('gaussian', 1.0, 1.0, 1, 1e-4),
    ('gaussian', 1.0, 2.0, 100, 1e-3),
    ('gaussian', 0.01, 1.0, 1, 1e-4),
    ('gaussian', 0.01, 1.0, 100, 1e-4),
    ('gaussian', 0.01, 1.0, 10000, 1e-4),
    ('gaussian', 0.01, 1.0, 10000, 1e-3),
    ('gaussian', 0.1, 0.8, 1000, 1e-3),
    ('gaussian', 0.3, 2.0, 300, 1e-3),
    ('gaussian', 0.001, 0.6, 5000, 1e-3),
    ('laplace', 1.0, 1.0, 1, 1e-4),
    ('laplace', 1.0, 2.0, 50, 1e-3),
    ('laplace', 0.05, 1.0, 1000, 1e-3),
]


def pld_event(mech, q, noise, steps):
  inner = dp_event.GaussianDpEvent(noise) if mech == 'gaussian' else dp_event.LaplaceDpEvent(noise)
  ev = inner if q == 1.0 else dp_event.PoissonSampledDpEvent(q, inner)
  return dp_event.SelfComposedDpEvent(ev, steps)


def optimistic_epsilon(mech, q, noise, steps, interval, delta):
  if mech == 'gaussian':
    single = pld_lib.from_gaussian_mechanism(noise, pessimistic_estimate=False,
                                             value_discretization_interval=interval,
                                             sampling_prob=q)
  else:
    single = pld_lib.from_laplace_mechanism(noise, pessimistic_estimate=False,
                                            value_discretization_interval=interval,
                                            sampling_prob=q)
  # Truncation adds at most 1e-15 to the infinity mass: it can only raise this lower bound
  # by a negligible amount, never lower it.
  composed = single.self_compose(steps)
  return composed.get_epsilon_for_delta(delta)


def pld_fixture():
  cases = []
  for mech, q, noise, steps, interval in PLD_CASES:
    acc = pld_privacy_accountant.PLDAccountant(value_discretization_interval=interval)
    acc.compose(pld_event(mech, q, noise, steps))
    eps, opt = [], []
    for delta in DELTAS:
      eps.append(acc.get_epsilon(delta))
      opt.append(optimistic_epsilon(mech, q, noise, steps, interval, delta))
    deltas = [acc.get_delta(e) for e in EPSILONS_FOR_DELTA]
    cases.append({'mechanism': mech, 'samplingRate': q, 'noiseMultiplier': noise,
                  'steps': steps, 'valueDiscretizationInterval': interval,
                  'deltas': DELTAS, 'epsilonPessimistic': eps, 'epsilonOptimistic': opt,
                  'epsilons': EPSILONS_FOR_DELTA, 'deltaPessimistic': deltas})
  return {'description': 'dp_accounting PLDAccountant (pessimistic connect-the-dots, the '
                         'default) and the optimistic privacy-buckets PLD (lower bound).',
          'cases': cases}


def timing_fixture():
  q, z, steps, delta = 0.01, 1.0, 10000, 1e-5
  event = pld_event('gaussian', q, z, steps)
  out = {}
  for name, make in [('rdp', rdp_lib.RdpAccountant),
                     ('pld', lambda: pld_privacy_accountant.PLDAccountant(
                         value_discretization_interval=1e-4))]:
    runs, cpu, eps = [], [], None
    for _ in range(3):
      t0, c0 = time.perf_counter(), time.process_time()
      acc = make()
      acc.compose(event)
      eps = acc.get_epsilon(delta)
      runs.append(time.perf_counter() - t0)
      cpu.append(time.process_time() - c0)
    out[name] = {'seconds': sorted(runs)[1], 'cpuSeconds': sorted(cpu)[1], 'runs': runs,
                 'epsilon': eps}
  return {'description': 'Time of dp_accounting (median of 3 runs of compose + get_epsilon; '
                         '`seconds` wall, `cpuSeconds` process CPU) for '
                         'SelfComposed(PoissonSampled(q, Gaussian(z)), steps), RDP with default '
                         'orders and PLD at value_discretization_interval 1e-4.',
          'loadAverage1m': os.getloadavg()[0],
          'case': {'samplingRate': q, 'noiseMultiplier': z, 'steps': steps, 'delta': delta},
          'machine': {'python': platform.python_version(), 'platform': platform.platform(),
                      'cpuCount': os.cpu_count()},
          **out}


def special_fixture():
  """erfc, log erfc, log|Gamma| and the normal quantile at DPS digits."""
  mp.mp.dps = DPS
  xs = [-6, -3, -1, -0.5, -0.1, 0, 1e-8, 0.1, 0.3, 0.49, 0.5, 0.51, 0.7, 1, 1.5, 1.99, 2, 2.01,
        2.5, 3, 4, 4.49, 4.51, 5, 6.99, 7.01, 10, 11.01, 15, 17.99, 18.01, 20, 26, 27, 30, 50, 100]
  xs += [-5 + 35 * (k + 0.5) / 200 for k in range(200)]
  erfc = [{'x': x, 'erfc': float(mp.erfc(x)), 'logErfc': float(mp.log(mp.erfc(x)))} for x in xs]
  gs = [0.001, 0.1, 0.5, 0.9, 1, 1.5, 2, 2.5, 3.3, 7.7, 14.9, 15, 20, 100.5, 1025, -0.5, -1.5,
        -2.3, -9.9, -99.1, -998.9] + [-50 + 250 * (k + 0.37) / 200 for k in range(200)]
  lgamma = [{'x': x, 'logAbsGamma': float(mp.log(abs(mp.gamma(x))))} for x in gs]
  ps = [1e-30, float(0.5 * mp.exp(-50)), 1e-10, 1e-5, 0.01, 0.2, 0.3, 0.5, 0.7, 0.99]
  # erfinv(1 - 2p) would lose the digits of p; solve ncdf(x) = p directly at 80 digits.
  mp.mp.dps = 80
  quantile = [{'p': p, 'x': float(mp.findroot(lambda x, p=p: mp.ncdf(x) - mp.mpf(p),
                                             -mp.sqrt(-2 * mp.log(p)) if p < 0.5 else 0.5))}
              for p in ps]
  mp.mp.dps = DPS
  return {'description': f'Reference values at {DPS} digits (mpmath).',
          'erfc': erfc, 'logGamma': lgamma, 'normalQuantile': quantile}


def main():
  os.makedirs(OUT_DIR, exist_ok=True)
  meta = {'generator': 'tools/dp-fixtures/generate.py',
          'dpAccountingVersion': getattr(dp_accounting, '__version__', None) or
          __import__('importlib.metadata').metadata.version('dp-accounting'),
          'mpmathVersion': mp.__version__, 'digits': DPS}
  only = set(os.environ.get('DP_FIXTURES_ONLY', 'special,timing,wor,pld,rdp').split(','))
  for name, build in [('special', special_fixture), ('timing', timing_fixture), ('wor', wor_fixture),
                      ('pld', pld_fixture), ('rdp', rdp_fixture)]:
    if name not in only:
      continue
    t0 = time.perf_counter()
    data = {'meta': meta, **build()}
    path = os.path.join(OUT_DIR, f'{name}.json')
    with open(path, 'w') as f:
      json.dump(data, f, indent=1)
      f.write('\n')
    print(f'wrote {path} in {time.perf_counter() - t0:.1f}s', flush=True)


if __name__ == '__main__':
  main()
