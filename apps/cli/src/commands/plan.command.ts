/**
 * `cohort plan create --file plan.json [--replace]`, `cohort plan list [--json]` and
 * `cohort plan show <planId>`: training plans on the round scheduler over HTTP. The file is a
 * `TrainingPlan` (docs/operations.md, "Training plans"), checked here before it is sent. The
 * scheduler URL and the operator key come from `--url`/`--key` or
 * `COHORT_SCHEDULER_URL`/`COHORT_API_KEY`.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { TrainingPlan, type TrainingPlanView } from '@cohort/contracts';
import { DeviceRequestError } from '@cohort/client-sdk';
import { EXIT, operatorFrom, type Command, type CommandIo } from '../command';

const USAGE = 'cohort plan create --file <plan.json> [--replace] | cohort plan list [--json] | cohort plan show <planId>  [--url <scheduler>] [--key <operator key>]';

function row(plan: TrainingPlanView): string {
  const { samplingRate, noiseMultiplier, clipNorm } = plan.mechanism;
  return `${plan.planId.padEnd(24)} ${plan.source.padEnd(6)} q=${samplingRate} z=${noiseMultiplier} C=${clipNorm} rounds=${plan.roundsOpened}`;
}

async function planFile(path: string, io: CommandIo): Promise<TrainingPlan | null> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    io.err(`cannot read the plan in ${path}: ${(error as Error).message}`);
    return null;
  }
  const parsed = TrainingPlan.safeParse(json);
  if (!parsed.success) {
    io.err(`${path} is not a training plan: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'plan'}: ${issue.message}`).join('; ')}`);
    return null;
  }
  return parsed.data;
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'define, list or show training plans',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { file: { type: 'string' }, replace: { type: 'boolean' }, json: { type: 'boolean' }, url: { type: 'string' }, key: { type: 'string' } },
    });
    const operator = operatorFrom(values, io);
    if (operator === null) return EXIT.usage;
    const [action, planId] = positionals;
    try {
      if (action === 'create' && values.file !== undefined) {
        const plan = await planFile(values.file, io);
        if (plan === null) return EXIT.usage;
        io.out(JSON.stringify(await (values.replace === true ? operator.replacePlan(plan) : operator.createPlan(plan)), null, 2));
        return EXIT.ok;
      }
      if (action === 'list') {
        const plans = await operator.plans();
        io.out(values.json === true ? JSON.stringify(plans, null, 2) : plans.map(row).join('\n'));
        return EXIT.ok;
      }
      if (action === 'show' && planId !== undefined) {
        io.out(JSON.stringify(await operator.plan(planId), null, 2));
        return EXIT.ok;
      }
    } catch (error) {
      // The scheduler refused what was asked (invalid plan, locked mechanism, unknown plan): say why.
      if (error instanceof DeviceRequestError && error.status >= 400 && error.status < 500) {
        io.err(`the scheduler refused: ${error.message}`);
        return EXIT.usage;
      }
      throw error;
    }
    io.err(`usage: ${USAGE}`);
    return EXIT.usage;
  },
};
