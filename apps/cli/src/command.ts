import { OperatorClient } from '@cohort/feature-device-simulator';

/** A CLI subcommand: a name, one line of help, and a function from arguments to an exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes (sysexits.h): 64 usage error, 69 service unavailable, 70 internal error. */
export const EXIT = { ok: 0, usage: 64, unavailable: 69, internal: 70 } as const;

/**
 * The operator's client of the round scheduler, from `--url`/`--key` or `COHORT_SCHEDULER_URL`/
 * `COHORT_API_KEY`; null (after saying why) when no key is given.
 */
export function operatorFrom(values: { readonly url?: string; readonly key?: string }, io: CommandIo): OperatorClient | null {
  const key = values.key ?? io.env.COHORT_API_KEY;
  if (key === undefined) {
    io.err('an operator API key is required: pass --key or set COHORT_API_KEY');
    return null;
  }
  return new OperatorClient(values.url ?? io.env.COHORT_SCHEDULER_URL ?? 'http://127.0.0.1:8080', key);
}
