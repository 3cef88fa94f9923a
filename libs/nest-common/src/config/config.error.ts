/**
 * Thrown when the environment does not satisfy a service's config schema.
 *
 * Invariant: the message names every bad variable and why, and never repeats a variable's value
 * (values may be secrets: API keys, URLs with passwords).
 */
export interface ConfigIssue {
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      [
        `Invalid configuration (${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}); fix the environment and restart:`,
        ...issues.map(({ variable, message }) => `  - ${variable}: ${message}`),
      ].join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Exit status for a configuration error (EX_CONFIG of sysexits.h). */
export const CONFIG_ERROR_EXIT_CODE = 78;
