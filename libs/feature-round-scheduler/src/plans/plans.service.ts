/**
 * Training plans: the configured ones (the scheduler's environment, read-only here) and the ones
 * operators define over HTTP, stored through the KeyValueStore port.
 *
 * Invariants:
 * - once a plan has had a round, its mechanism (q, q / (1 − dropout), z, C) never changes: the
 *   accountant charged those rounds for it, and the plan's ε composes over all of them (409);
 * - its model architecture never changes: the registry built the plan's versions on it (409);
 * - model-registry learns of every definition from TrainingPlanDefined, published before the
 *   plan is stored, so a crash in between re-publishes on retry (the registry applies it once).
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { TrainingPlanDefined, type PlanId, type TrainingPlan, type TrainingPlanView } from '@cohort/contracts';
import { EligibilityPoolRepository } from '../pool/eligibility-pool.repository';
import { RoundRepository } from '../rounds/round.repository';
import { RoundSchedulerError, RoundSchedulerErrorCode } from '../rounds/round-scheduler.error';
import { type PlanSettings, selectionRate } from './plan-settings';
import { PlanRepository, type StoredPlan } from './plan.repository';
import { mechanismChanges, resolveTrainingPlan, samplingRateOf } from './training-plan.resolver';

export const PLAN_SETTINGS = Symbol.for('cohort.PlanSettings');

export type DefineMode = 'create' | 'replace';

@Injectable()
export class PlansService {
  private readonly logger = new Logger(PlansService.name);

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PlanRepository) private readonly stored: PlanRepository,
    @Inject(RoundRepository) private readonly rounds: RoundRepository,
    @Inject(EligibilityPoolRepository) private readonly pool: EligibilityPoolRepository,
    @Inject(PLAN_SETTINGS) private readonly configured: readonly PlanSettings[],
  ) {}

  /** What the round state machine runs for the plan. */
  async settings(planId: PlanId): Promise<PlanSettings> {
    const configured = this.configured.find((plan) => plan.planId === planId);
    if (configured !== undefined) return configured;
    const stored = await this.stored.find(planId);
    if (stored === null) throw new RoundSchedulerError(RoundSchedulerErrorCode.UnknownPlan, `plan ${planId} is not configured; define it with POST /v1/plans`);
    return stored.settings;
  }

  /** Every plan's settings: the configured ones first. */
  async allSettings(): Promise<PlanSettings[]> {
    return [...this.configured, ...(await this.stored.list()).map((plan) => plan.settings)];
  }

  async view(planId: PlanId): Promise<TrainingPlanView> {
    const configured = this.configured.find((plan) => plan.planId === planId);
    if (configured !== undefined) return configuredView(configured, await this.rounds.roundsOpened(planId));
    const stored = await this.stored.find(planId);
    if (stored === null) throw new RoundSchedulerError(RoundSchedulerErrorCode.UnknownPlan, `plan ${planId} is not configured; define it with POST /v1/plans`);
    return storedView(stored, await this.rounds.roundsOpened(planId));
  }

  async list(): Promise<TrainingPlanView[]> {
    const configured = await Promise.all(this.configured.map(async (plan) => configuredView(plan, await this.rounds.roundsOpened(plan.planId))));
    const stored = await Promise.all((await this.stored.list()).map(async (plan) => storedView(plan, await this.rounds.roundsOpened(plan.definition.planId))));
    return [...configured, ...stored];
  }

  /** Creates the plan (`create`: 409 when it exists) or creates or replaces it (`replace`). */
  async define(plan: TrainingPlan, mode: DefineMode): Promise<{ view: TrainingPlanView; created: boolean }> {
    const { planId } = plan;
    if (this.configured.some((configured) => configured.planId === planId)) {
      throw new RoundSchedulerError(
        RoundSchedulerErrorCode.PlanConfigured,
        `plan ${planId} comes from the scheduler's environment (COHORT_PLAN_ID and COHORT_*); change it there, or define a plan with another id`,
      );
    }
    const previous = await this.stored.find(planId);
    if (previous !== null && mode === 'create') {
      throw new RoundSchedulerError(RoundSchedulerErrorCode.PlanExists, `plan ${planId} exists; change it with PUT /v1/plans/${planId}`);
    }
    const roundsOpened = await this.rounds.roundsOpened(planId);
    const { settings, mechanism } = resolveTrainingPlan(plan, await this.sampling(plan, previous));
    if (previous !== null && roundsOpened > 0) {
      const changes = mechanismChanges(previous.mechanism, mechanism);
      if (changes.length > 0) {
        throw new RoundSchedulerError(
          RoundSchedulerErrorCode.PlanMechanismLocked,
          `plan ${planId} has had ${roundsOpened} round(s), charged for its mechanism, which therefore cannot change (${changes.join(', ')}); keep it, or define a new plan`,
        );
      }
    }
    if (previous !== null && !isDeepStrictEqual(previous.definition.model, plan.model)) {
      throw new RoundSchedulerError(
        RoundSchedulerErrorCode.PlanModelLocked,
        `plan ${planId}'s model architecture is fixed at its creation (the registry built its versions on it); define a new plan for another one`,
      );
    }
    const now = new Date().toISOString();
    const record: StoredPlan = { definition: plan, settings, mechanism, createdAt: previous?.createdAt ?? now, updatedAt: now };
    await this.bus.publish(TrainingPlanDefined, {
      planId,
      ...(plan.model === undefined ? {} : { model: plan.model }),
      training: plan.training,
      ...(plan.serverOptimizer === undefined ? {} : { serverOptimizer: plan.serverOptimizer }),
      definedAt: now,
    }, { correlationId: planId });
    const created = previous === null;
    if (mode === 'create') {
      if (!(await this.stored.create(record))) {
        throw new RoundSchedulerError(RoundSchedulerErrorCode.PlanExists, `plan ${planId} exists; change it with PUT /v1/plans/${planId}`);
      }
    } else {
      await this.stored.replace(record);
    }
    this.logger.log({ planId, samplingRate: mechanism.samplingRate, noiseMultiplier: mechanism.noiseMultiplier, clipNorm: mechanism.clipNorm, created }, 'training plan defined');
    return { view: storedView(record, roundsOpened), created };
  }

  /**
   * q and the N it came from. A target size is resolved against the eligible users now — unless
   * the plan keeps the sampling it had (same target and devices), which keeps its q.
   */
  private async sampling(plan: TrainingPlan, previous: StoredPlan | null): Promise<{ samplingRate: number; eligibleAtCreation: number | null }> {
    if ('samplingRate' in plan.sampling) return { samplingRate: plan.sampling.samplingRate, eligibleAtCreation: null };
    if (previous !== null && isDeepStrictEqual(previous.definition.sampling, plan.sampling) && isDeepStrictEqual(previous.definition.devices, plan.devices)) {
      return { samplingRate: previous.mechanism.samplingRate, eligibleAtCreation: previous.mechanism.eligibleAtCreation };
    }
    const eligible = plan.devices === undefined
      ? (await this.pool.users()).length
      : new Set((await this.pool.eligibleDevices(plan.devices)).map((device) => device.userId)).size;
    return { samplingRate: samplingRateOf(plan.sampling, eligible), eligibleAtCreation: eligible };
  }
}

function storedView(plan: StoredPlan, roundsOpened: number): TrainingPlanView {
  return {
    ...plan.definition,
    aggregation: plan.settings.aggregation,
    source: 'api',
    mechanism: plan.mechanism,
    roundsOpened,
    createdAt: plan.createdAt,
    updatedAt: plan.updatedAt,
  };
}

/** A configured plan in the operator's terms: its environment already resolved q and z. */
function configuredView(plan: PlanSettings, roundsOpened: number): TrainingPlanView {
  return {
    planId: plan.planId,
    sampling: { samplingRate: plan.samplingRate },
    privacy: { noiseMultiplier: plan.noiseMultiplier },
    clipNorm: plan.clipNorm,
    minSurvivors: plan.minSurvivors,
    deadlines: { uploadMs: plan.uploadDeadlineMs },
    training: { learningRate: plan.localLearningRate },
    ...(plan.devices === undefined ? {} : { devices: plan.devices }),
    ...(plan.expectedDropout === undefined ? {} : { expectedDropout: plan.expectedDropout }),
    aggregation: plan.aggregation,
    source: 'config',
    mechanism: {
      samplingRate: plan.samplingRate, selectionRate: selectionRate(plan), noiseMultiplier: plan.noiseMultiplier, clipNorm: plan.clipNorm,
      eligibleAtCreation: null, calibratedEpsilon: null,
    },
    roundsOpened,
    createdAt: null,
    updatedAt: null,
  };
}
