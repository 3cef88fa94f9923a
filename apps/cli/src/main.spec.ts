import { describe, expect, it } from 'vitest';
import { ALL_TOPICS } from '@cohort/contracts';
import { main } from './main';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (line) => (out += `${line}\n`), err: (line) => (err += `${line}\n`), env: {} });
  return { code, out, err };
}

describe('cohort CLI', () => {
  it('lists its commands, and refuses unknown ones with exit 64', async () => {
    expect((await run('help')).out).toMatch(/topics[\s\S]*plan[\s\S]*rounds[\s\S]*dp/);
    expect(await run('nope')).toMatchObject({ code: 64, err: expect.stringMatching(/unknown command 'nope'/) });
  });

  it('prints the topic registry', async () => {
    const { code, out } = await run('topics', '--json');
    expect(code).toBe(0);
    expect((JSON.parse(out) as unknown[]).length).toBe(ALL_TOPICS.length);
  });

  it('dp epsilon prints the JSON shape operators script against', async () => {
    const { code, out } = await run('dp', 'epsilon', '--q', '0.01', '--sigma', '1.0', '--steps', '1000', '--delta', '1e-5', '--json');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { epsilon: number; accountant: string; order: number | null };
    expect(result.accountant).toBe('rdp');
    expect(result.epsilon).toBeGreaterThan(0);
    expect(result.order).toBeGreaterThan(1);
  });

  it('dp calibrate round-trips: ε(calibrate(ε)) ≤ ε and within 1 %', async () => {
    const calibrated = JSON.parse((await run('dp', 'calibrate', '--q', '0.02', '--steps', '500', '--epsilon', '3', '--delta', '1e-5', '--json')).out) as { sigma: number };
    const back = JSON.parse((await run('dp', 'epsilon', '--q', '0.02', '--sigma', String(calibrated.sigma), '--steps', '500', '--delta', '1e-5', '--json')).out) as { epsilon: number };
    expect(back.epsilon).toBeLessThanOrEqual(3);
    expect(back.epsilon).toBeGreaterThan(3 * 0.99);
  });

  it('dp refuses missing, malformed and out-of-range arguments with exit 64 and a reason', async () => {
    expect(await run('dp', 'epsilon', '--q', '0.01', '--steps', '10', '--delta', '1e-5')).toMatchObject({ code: 64, err: expect.stringMatching(/--sigma is required/) });
    expect(await run('dp', 'epsilon', '--q', 'abc', '--sigma', '1', '--steps', '10', '--delta', '1e-5')).toMatchObject({ code: 64, err: expect.stringMatching(/--q must be a number/) });
    expect(await run('dp', 'epsilon', '--q', '2', '--sigma', '1', '--steps', '10', '--delta', '1e-5')).toMatchObject({ code: 64, err: expect.stringMatching(/samplingRate/) });
    expect(await run('dp', 'epsilon', '--q', '0.1', '--sigma', '1', '--steps', '10', '--delta', '1e-5', '--accountant', 'prv')).toMatchObject({ code: 64 });
  });
});
