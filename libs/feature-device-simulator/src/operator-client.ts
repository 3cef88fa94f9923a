/** The operator's side of a simulation over HTTP: open a round, follow it until it closes. */
import { z } from 'zod';
import type { PlanId, RoundId } from '@cohort/contracts';
import { DeviceRequestError } from '@cohort/client-sdk';

export const RoundSummary = z.object({
  roundId: z.string(),
  planId: z.string(),
  roundNumber: z.number(),
  state: z.enum(['open', 'committed', 'aborted']),
  cohortSize: z.number(),
  eligibleUsers: z.number(),
  modelVersion: z.string().optional(),
  reason: z.string().optional(),
});
export type RoundSummary = z.infer<typeof RoundSummary>;

export class OperatorClient {
  constructor(
    private readonly schedulerUrl: string,
    private readonly apiKey: string,
  ) {}

  openRound(planId: PlanId): Promise<RoundSummary> {
    return this.request('POST', `/v1/plans/${encodeURIComponent(planId)}/rounds`);
  }

  round(roundId: RoundId | string): Promise<RoundSummary> {
    return this.request('GET', `/v1/rounds/${encodeURIComponent(roundId)}`);
  }

  /** Polls until the round is committed or aborted, or throws after `timeoutMs`. */
  async awaitOutcome(roundId: string, timeoutMs: number, pollMs = 100): Promise<RoundSummary> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const round = await this.round(roundId);
      if (round.state !== 'open') return round;
      if (Date.now() > deadline) throw new Error(`round ${roundId} was still open after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  private async request(method: string, path: string): Promise<RoundSummary> {
    const url = new URL(path, this.schedulerUrl).toString();
    const response = await fetch(url, { method, headers: { authorization: `Bearer ${this.apiKey}` }, signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new DeviceRequestError(response.status, url, await response.text());
    return RoundSummary.parse(await response.json());
  }
}
