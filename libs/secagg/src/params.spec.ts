/** Parameter validation: each refusal names its parameter; the wrap bound is tight. */
import { describe, expect, it } from 'vitest';
import { createSecAggParams, modulusMask, type SecAggParamsInput } from './params';
import { SecAggErrorCode } from './secagg-error';

const base: SecAggParamsInput = { clients: 100, dimension: 10, modulusBits: 32, clipRange: 1, scale: 1024, degree: 16, threshold: 6 };

describe('createSecAggParams', () => {
  it('accepts a valid setting and freezes it', () => {
    const p = createSecAggParams(base);
    expect(p).toMatchObject({ degree: 16, threshold: 6, quantizedBound: 1024 });
    expect(Object.isFrozen(p)).toBe(true);
  });

  it('chooses k and t from the rates (Bell et al. 2020)', () => {
    const { degree: _k, threshold: _t, ...rest } = base;
    expect(createSecAggParams({ ...rest, clients: 1000, corruptFraction: 0.05, dropoutFraction: 0.1 })).toMatchObject({ degree: 36, threshold: 19 });
  });

  it.each([
    [{ clients: 2 }, 'clients'],
    [{ clients: 10.5 }, 'clients'],
    [{ dimension: 0 }, 'dimension'],
    [{ modulusBits: 33 }, 'modulusBits'],
    [{ modulusBits: 0 }, 'modulusBits'],
    [{ clipRange: 0 }, 'clipRange'],
    [{ clipRange: Number.NaN }, 'clipRange'],
    [{ scale: -1 }, 'scale'],
    [{ degree: 15 }, 'degree'],
    [{ degree: 100 }, 'degree'],
    [{ degree: 0 }, 'degree'],
    [{ clients: 300, degree: 256, threshold: 10 }, 'degree'],
    [{ threshold: 1 }, 'threshold'],
    [{ threshold: 17 }, 'threshold'],
    [{ degree: undefined }, 'degree/threshold'],
    [{ corruptFraction: 0.1 }, 'corruptFraction/dropoutFraction'],
  ] as [Partial<SecAggParamsInput>, string][])('refuses %o naming %s', (patch, name) => {
    expect(() => createSecAggParams({ ...base, ...patch })).toThrow(
      expect.objectContaining({ code: SecAggErrorCode.InvalidParameter, message: expect.stringContaining(name) }),
    );
  });

  it('refuses exactly the settings whose sum of n clipped inputs could wrap mod 2^b', () => {
    // n·⌈c·s⌉ must be < 2^(b−1): with n = 100, c = 1, s = 1024 → 102 400 < 2^17 = 131 072 but ≥ 2^16.
    expect(createSecAggParams({ ...base, modulusBits: 18 }).modulusBits).toBe(18);
    expect(() => createSecAggParams({ ...base, modulusBits: 17 })).toThrow(/modulusBits is too small/);
    // Boundary: n·B = 2^(b−1) − 1 passes, n·B = 2^(b−1) fails (n = 127 and 128 at B = 1, b = 8).
    expect(createSecAggParams({ ...base, clients: 127, modulusBits: 8, scale: 1, degree: 16 }).clients).toBe(127);
    expect(() => createSecAggParams({ ...base, clients: 128, modulusBits: 8, scale: 1, degree: 16 })).toThrow(/wraps mod 2\^8/);
    // ⌈c·s⌉ rounds up: c·s = 1.5 counts as 2.
    expect(() => createSecAggParams({ ...base, clients: 64, modulusBits: 8, clipRange: 1.5, scale: 1, degree: 16 })).toThrow(/modulusBits/);
  });

  it('modulusMask', () => {
    expect(modulusMask(32)).toBe(0xffffffff);
    expect(modulusMask(1)).toBe(1);
    expect(modulusMask(20)).toBe(0xfffff);
  });
});
