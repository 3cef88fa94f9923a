/**
 * Parses a flat environment with a zod object schema, once, at boot.
 *
 * Invariants:
 * - an empty string counts as unset (so `PORT=` falls back to the default rather than failing);
 * - every problem is reported at once, each naming its variable, never echoing a value;
 * - pure: the environment is an argument (see config.loader.ts for the one reader of the process env).
 */
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config.error';

export type Env = Readonly<Record<string, string | undefined>>;

export function parseConfig<S extends z.ZodObject>(schema: S, env: Env): z.output<S> {
  const input: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') {
      input[name] = value;
    }
  }
  const result = schema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const [variable = '(config)', ...rest] = issue.path.map(String);
    const missing = rest.length === 0 && issue.code === 'invalid_type' && !(variable in input);
    const where = rest.length > 0 ? ` (${rest.map((part) => (/^\d+$/.test(part) ? `entry ${Number(part) + 1}` : part)).join('.')})` : '';
    return { variable, message: missing ? 'is required but not set' : `${issue.message}${where}` };
  });
  throw new ConfigError(issues);
}
