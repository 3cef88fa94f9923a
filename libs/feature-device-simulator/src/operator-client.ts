/**
 * The operator's side over HTTP: define and read training plans, open a round, follow it until it
 * closes, read its model version.
 */
import { z } from 'zod';
import { TrainingPlanList, TrainingPlanView, type PlanId, type RoundId, type TrainingPlan } from '@cohort/contracts';
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

/** What the simulator reads of a model version. */
export const ModelVersionSummary = z.object({
  modelVersion: z.string(),
  contributors: z.number(),
  privacy: z.object({ epsilon: z.number().nullable(), delta: z.number() }).nullable(),
});
export type ModelVersionSummary = z.infer<typeof ModelVersionSummary>;

export class OperatorClient {
  constructor(
    private readonly schedulerUrl: string,
    private readonly apiKey: string,
    /** model-registry's base URL (the scheduler's in standalone mode). */
    private readonly registryUrl: string = schedulerUrl,
  ) {}

  /** Creates a plan (the scheduler answers 409 when one with its id exists). */
  createPlan(plan: TrainingPlan): Promise<TrainingPlanView> {
    return this.request('POST', '/v1/plans', TrainingPlanView, plan);
  }

  /** Creates or replaces a plan; a plan that has had rounds keeps its mechanism (409 otherwise). */
  replacePlan(plan: TrainingPlan): Promise<TrainingPlanView> {
    return this.request('PUT', `/v1/plans/${encodeURIComponent(plan.planId)}`, TrainingPlanView, plan);
  }

  async plans(): Promise<TrainingPlanView[]> {
    return (await this.request('GET', '/v1/plans', TrainingPlanList)).plans;
  }

  plan(planId: PlanId | string): Promise<TrainingPlanView> {
    return this.request('GET', `/v1/plans/${encodeURIComponent(planId)}`, TrainingPlanView);
  }

  openRound(planId: PlanId): Promise<RoundSummary> {
    return this.request('POST', `/v1/plans/${encodeURIComponent(planId)}/rounds`, RoundSummary);
  }

  round(roundId: RoundId | string): Promise<RoundSummary> {
    return this.request('GET', `/v1/rounds/${encodeURIComponent(roundId)}`, RoundSummary);
  }

  /** A model version's record on model-registry: lineage, stage and, once charged, its guarantee. */
  modelVersion(modelVersion: string): Promise<ModelVersionSummary> {
    return this.request('GET', `/v1/models/${encodeURIComponent(modelVersion)}`, ModelVersionSummary);
  }

  /** Polls until the accountant's guarantee of `modelVersion` is recorded, or throws after `timeoutMs`. */
  async awaitCharged(modelVersion: string, timeoutMs: number, pollMs = 50): Promise<ModelVersionSummary> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const version = await this.modelVersion(modelVersion);
      if (version.privacy !== null) return version;
      if (Date.now() > deadline) throw new Error(`${modelVersion} was still not charged after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
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

  private async request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.output<S>> {
    const base = path.startsWith('/v1/models/') ? this.registryUrl : this.schedulerUrl;
    const url = new URL(path, base).toString();
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) throw new DeviceRequestError(response.status, url, await response.text());
    return schema.parse(await response.json());
  }
}
