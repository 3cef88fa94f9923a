/**
 * `cohort rounds open --plan <id>` and `cohort rounds show <roundId>`: operator access to the
 * round scheduler over HTTP. The scheduler URL and the operator key come from `--url`/`--key` or
 * `COHORT_SCHEDULER_URL`/`COHORT_API_KEY`.
 */
import { parseArgs } from 'node:util';
import { PlanId } from '@cohort/contracts';
import { EXIT, operatorFrom, type Command } from '../command';

export const roundsCommand: Command = {
  name: 'rounds',
  summary: 'open a training round or show one',
  usage: 'cohort rounds open --plan <planId> | cohort rounds show <roundId>  [--url <scheduler>] [--key <operator key>]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { plan: { type: 'string' }, url: { type: 'string' }, key: { type: 'string' } },
    });
    const operator = operatorFrom(values, io);
    if (operator === null) return EXIT.usage;
    const [action, roundId] = positionals;
    if (action === 'open' && values.plan !== undefined) {
      io.out(JSON.stringify(await operator.openRound(PlanId.parse(values.plan)), null, 2));
      return EXIT.ok;
    }
    if (action === 'show' && roundId !== undefined) {
      io.out(JSON.stringify(await operator.round(roundId), null, 2));
      return EXIT.ok;
    }
    io.err(`usage: ${this.usage}`);
    return EXIT.usage;
  },
};
