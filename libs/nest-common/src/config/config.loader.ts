/**
 * The one place that reads the process environment (a repository hook enforces it): `main.ts`
 * calls `loadConfigOrExit(schema)` first thing, and everything else receives the typed config.
 *
 * Invariant: an invalid environment stops the process before anything starts, with a message on
 * stderr naming each bad variable, and exit status 78 (EX_CONFIG) so supervisors can tell a
 * configuration error from a crash.
 */
import type { z } from 'zod';
import { CONFIG_ERROR_EXIT_CODE, ConfigError } from './config.error';
import { type Env, parseConfig } from './config.parser';

export interface ConfigExit {
  readonly writeError: (text: string) => void;
  readonly exit: (code: number) => never;
}

const processExit: ConfigExit = {
  writeError: (text) => void process.stderr.write(text),
  exit: (code) => process.exit(code),
};

export function loadConfigOrExit<S extends z.ZodObject>(schema: S, env: Env = process.env, onError: ConfigExit = processExit): z.output<S> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      onError.writeError(`${error.message}\n`);
      return onError.exit(CONFIG_ERROR_EXIT_CODE);
    }
    throw error;
  }
}

/** Prints a ConfigError raised after parsing (e.g. at module construction) and exits with 78. */
export function exitOnConfigError(error: unknown, onError: ConfigExit = processExit): void {
  if (error instanceof ConfigError) {
    onError.writeError(`${error.message}\n`);
    onError.exit(CONFIG_ERROR_EXIT_CODE);
  }
}
