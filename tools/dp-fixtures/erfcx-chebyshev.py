#!/usr/bin/env python3
"""Prints the Chebyshev coefficients of erfcx(x) = e^{x²} erfc(x) that libs/dp/src/erfcx-table.ts
embeds (one polynomial per interval, computed at 50 digits with mpmath, rounded to float64).

Usage: .cache/dp-fixtures-venv/bin/python tools/dp-fixtures/erfcx-chebyshev.py > libs/dp/src/erfcx-table.ts
Then check: npx vitest run --project unit libs/dp/src/special-functions.spec.ts
"""
import mpmath as mp

mp.mp.dps = 50
INTERVALS = [(0.5, 1), (1, 2), (2, 3), (3, 4.5), (4.5, 7), (7, 11), (11, 18)]
DEGREE = 26


def chebyshev(f, a, b, n):
  a, b = mp.mpf(a), mp.mpf(b)
  nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
  values = [f((b - a) / 2 * t + (b + a) / 2) for t in nodes]
  coeffs = []
  for j in range(n):
    s = mp.fsum(values[k] * mp.cos(mp.pi * j * (k + mp.mpf(1) / 2) / n) for k in range(n))
    coeffs.append(2 * s / n)
  coeffs[0] /= 2
  return coeffs


def main():
  erfcx = lambda x: mp.exp(x * x) * mp.erfc(x)
  print('/**')
  print(' * Chebyshev coefficients of erfcx(x) = e^{x²}·erfc(x) on fixed intervals, generated at 50')
  print(' * digits by tools/dp-fixtures/erfcx-chebyshev.py (do not edit by hand).')
  print(' *')
  print(' * Invariant: on each [lo, hi], Σ c_j T_j((2x − lo − hi)/(hi − lo)) matches erfcx to ~1e-16')
  print(' * relative (checked against mpmath in special-functions.spec.ts).')
  print(' */')
  print('export const ERFCX_CHEBYSHEV: readonly { readonly lo: number; readonly hi: number; readonly c: readonly number[] }[] = [')
  for a, b in INTERVALS:
    c = chebyshev(erfcx, a, b, DEGREE)
    # Drop coefficients that no longer matter in float64.
    while len(c) > 1 and abs(c[-1]) < mp.mpf('1e-19') * abs(c[0]):
      c.pop()
    body = ', '.join(repr(float(x)) for x in c)
    print(f'  {{ lo: {a}, hi: {b}, c: [{body}] }},')
  print('];')


if __name__ == '__main__':
  main()
