/**
 * Builds the service's ApiKeyTable from its config.
 *
 * Invariants:
 * - keys come only from COHORT_API_KEYS (each with its roles) and, in standalone mode only,
 *   COHORT_API_KEY (one development key holding every role);
 * - when standalone mode has no COHORT_API_KEY, a random 256-bit key is generated and printed
 *   ONCE to stderr: the only place a key is ever written out; it is never logged;
 * - distributed mode refuses COHORT_API_KEY: there each caller gets its own key and roles.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/config.error';
import type { CommonConfig } from '../config/common-config.schema';
import { ApiKeyTable, type ApiKeyEntry } from './api-key.table';
import { COHORT_ROLES } from './cohort-role.constants';

export type ApiKeyConfig = Pick<CommonConfig, 'COHORT_MODE' | 'COHORT_API_KEYS' | 'COHORT_API_KEY'>;

export interface ApiKeyTableOptions {
  /** Source of the generated standalone key (default: 32 random bytes, base64url). */
  readonly generateKey?: () => string;
  /** Where the generated key is shown (default: stderr). */
  readonly announce?: (text: string) => void;
}

export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

export function createApiKeyTable(config: ApiKeyConfig, options: ApiKeyTableOptions = {}): ApiKeyTable {
  const entries: ApiKeyEntry[] = [...config.COHORT_API_KEYS];
  if (config.COHORT_MODE === 'distributed') {
    if (config.COHORT_API_KEY !== undefined) {
      throw new ConfigError([
        {
          variable: 'COHORT_API_KEY',
          message: 'is the standalone development key and is refused in distributed mode; give each caller its own key and roles in COHORT_API_KEYS',
        },
      ]);
    }
    return new ApiKeyTable(entries);
  }
  let devKey = config.COHORT_API_KEY;
  if (devKey === undefined) {
    devKey = (options.generateKey ?? generateApiKey)();
    const announce = options.announce ?? ((text: string) => void process.stderr.write(text));
    announce(
      `\nCOHORT_API_KEY is not set: generated a development API key holding every role (${COHORT_ROLES.join(', ')}).\n` +
        `It is shown this once and never logged; set COHORT_API_KEY to keep one across restarts.\n\n    ${devKey}\n\n`,
    );
  }
  entries.push({ key: devKey, roles: COHORT_ROLES });
  return new ApiKeyTable(entries);
}
