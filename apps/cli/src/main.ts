/**
 * `cohort` — the operator CLI. Each subcommand lives in `commands/` and is listed here; later
 * issues add theirs (dp, registry, ...).
 */
import { EXIT, type Command, type CommandIo } from './command';
import { dpCommand } from './commands/dp.command';
import { planCommand } from './commands/plan.command';
import { roundsCommand } from './commands/rounds.command';
import { topicsCommand } from './commands/topics.command';

export const COMMANDS: readonly Command[] = [topicsCommand, planCommand, roundsCommand, dpCommand];

function help(io: CommandIo): void {
  io.out('usage: cohort <command> [options]\n');
  for (const command of COMMANDS) io.out(`  ${command.name.padEnd(10)} ${command.summary}\n      ${command.usage}`);
}

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    help(io);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`unknown command '${name}'; run 'cohort help'`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.err(`cohort ${name}: ${(error as Error).message}`);
    return (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? EXIT.usage : EXIT.internal;
  }
}
