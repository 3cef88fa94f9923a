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
