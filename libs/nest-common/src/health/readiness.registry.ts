/**
 * Readiness checks registered by whoever owns a dependency (the infrastructure module registers
 * Kafka and Redis in distributed mode; a feature may register its own).
 *
 * Invariants:
 * - ready means EVERY registered check answered true within its timeout; a check that throws or
 *   hangs counts as failed, it never hangs the probe;
 * - once shutdown has begun the service reports not ready, so load balancers drain it first;
 * - check names are unique (a second registration under the same name is a programming error).
 */
import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';

export type ReadinessCheck = () => Promise<boolean>;

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed: 'returned false', 'timed out after N ms', 'threw: <message>', 'shutting down'. */
  readonly reason?: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly CheckResult[];
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

@Injectable()
export class ReadinessRegistry implements BeforeApplicationShutdown {
  private readonly checks = new Map<string, ReadinessCheck>();
  private shuttingDown = false;
  timeoutMs = DEFAULT_CHECK_TIMEOUT_MS;

  register(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) {
      throw new Error(`A readiness check named '${name}' is already registered`);
    }
    this.checks.set(name, check);
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  async run(): Promise<ReadinessReport> {
    const checks = await Promise.all([...this.checks].map(([name, check]) => this.runOne(name, check)));
    if (this.shuttingDown) {
      checks.push({ name: 'shutdown', ok: false, reason: 'shutting down' });
    }
    return { ready: checks.every((check) => check.ok), checks };
  }

  private async runOne(name: string, check: ReadinessCheck): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve({ name, ok: false, reason: `timed out after ${this.timeoutMs} ms` }), this.timeoutMs);
    });
    const outcome = (async (): Promise<CheckResult> => {
      try {
        return (await check()) === true ? { name, ok: true } : { name, ok: false, reason: 'returned false' };
      } catch (error) {
        return { name, ok: false, reason: `threw: ${error instanceof Error ? error.message : String(error)}` };
      }
    })();
    try {
      return await Promise.race([outcome, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
