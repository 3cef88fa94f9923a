/**
 * `cohort dp epsilon` and `cohort dp calibrate`: the privacy of T rounds of DP-FedAvg (Poisson
 * sampling at rate q, Gaussian noise multiplier z), or the z that meets a target (ε, δ).
 * The arithmetic is `@cohort/dp`'s; this file only parses and prints.
 */
import { parseArgs } from 'node:util';
import { calibrateNoiseMultiplier, dpFedAvgEvent, DpError, PldAccountant, RdpAccountant } from '@cohort/dp';
import { EXIT, type Command, type CommandIo } from '../command';

const USAGE = [
  'cohort dp epsilon --q <rate> --sigma <z> --steps <T> --delta <δ> [--accountant rdp|pld] [--json]',
  'cohort dp calibrate --q <rate> --steps <T> --epsilon <ε> --delta <δ> [--accountant rdp|pld] [--json]',
].join('\n      ');

class UsageError extends Error {}

function number(values: Record<string, unknown>, name: string): number {
  const raw = values[name];
  if (typeof raw !== 'string') throw new UsageError(`--${name} is required`);
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got '${raw}'`);
  return value;
}

function accountantOf(values: Record<string, unknown>): 'rdp' | 'pld' {
  const accountant = values.accountant ?? 'rdp';
  if (accountant !== 'rdp' && accountant !== 'pld') throw new UsageError(`--accountant must be rdp or pld, got '${String(accountant)}'`);
  return accountant;
}

function epsilon(values: Record<string, unknown>, io: CommandIo): number {
  const [q, sigma, steps, delta] = [number(values, 'q'), number(values, 'sigma'), number(values, 'steps'), number(values, 'delta')];
  const accountant = accountantOf(values);
  const event = dpFedAvgEvent(q, sigma, steps);
  const result =
    accountant === 'rdp'
      ? new RdpAccountant().compose(event).getEpsilonAndOrder(delta)
      : { epsilon: new PldAccountant().compose(event).getEpsilon(delta), order: null };
  io.out(
    values.json
      ? JSON.stringify({ epsilon: result.epsilon, accountant, order: result.order })
      : `ε = ${result.epsilon} at δ = ${delta} (${accountant}${result.order === null ? '' : `, order ${result.order}`}) for ${steps} rounds, q = ${q}, z = ${sigma}`,
  );
  return EXIT.ok;
}

function calibrate(values: Record<string, unknown>, io: CommandIo): number {
  const result = calibrateNoiseMultiplier({
    samplingRate: number(values, 'q'),
    steps: number(values, 'steps'),
    targetEpsilon: number(values, 'epsilon'),
    delta: number(values, 'delta'),
    accountant: accountantOf(values),
  });
  io.out(values.json ? JSON.stringify({ sigma: result.noiseMultiplier }) : `z = ${result.noiseMultiplier} (gives ε = ${result.epsilon})`);
  return EXIT.ok;
}

export const dpCommand: Command = {
  name: 'dp',
  summary: 'privacy of DP-FedAvg rounds: ε for a noise multiplier, or the noise multiplier for an ε',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        q: { type: 'string' }, sigma: { type: 'string' }, steps: { type: 'string' }, delta: { type: 'string' },
        epsilon: { type: 'string' }, accountant: { type: 'string' }, json: { type: 'boolean', default: false },
      },
    });
    try {
      switch (positionals[0]) {
        case 'epsilon':
          return epsilon(values, io);
        case 'calibrate':
          return calibrate(values, io);
        default:
          throw new UsageError(`unknown subcommand '${positionals[0] ?? ''}'`);
      }
    } catch (error) {
      if (!(error instanceof UsageError) && !(error instanceof DpError)) throw error;
      io.err(`cohort dp: ${error.message}\nusage: ${USAGE}`);
      return EXIT.usage;
    }
  },
};
