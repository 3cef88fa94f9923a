/**
 * The round state machine of DESIGN.md: open (ask the accountant, Poisson-sample users, emit
 * RoundOpened) → committed when the model registry publishes the round's version (emit
 * RoundCommitted with the mechanism, so the accountant charges every eligible user) → or aborted
 * when aggregation fails (emit RoundAborted; nothing is charged because nothing was released).
 * Transitions are idempotent: a redelivered outcome event finds the round already closed.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import {
  RoundAborted, RoundCommitted, RoundId, RoundOpened,
  type ClientId, type ModelVersion, type PlanId, type RoundMechanism, type TrainingTask,
} from '@cohort/contracts';
import { BUDGET_GATE, type BudgetGate } from '../budget/budget-gate.port';
import { selectionRate, type PlanSettings } from '../plans/plan-settings';
import { PlansService } from '../plans/plans.service';
import { EligibilityPoolRepository } from '../pool/eligibility-pool.repository';
import { RANDOM_SOURCE, type RandomSource } from './random-source';
import { RoundRepository, type CurrentModel, type RoundRecord } from './round.repository';
import { RoundSchedulerError, RoundSchedulerErrorCode } from './round-scheduler.error';

const tracer = trace.getTracer('cohort-round-scheduler');

@Injectable()
export class RoundsService {
  private readonly logger = new Logger(RoundsService.name);

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(RoundRepository) private readonly rounds: RoundRepository,
    @Inject(EligibilityPoolRepository) private readonly pool: EligibilityPoolRepository,
    @Inject(BUDGET_GATE) private readonly budget: BudgetGate,
    @Inject(RANDOM_SOURCE) private readonly random: RandomSource,
    @Inject(PlansService) private readonly plans: PlansService,
  ) {}

  async open(planId: PlanId): Promise<RoundRecord> {
    const plan = await this.plans.settings(planId);
    const model = await this.rounds.currentModel(planId);
    if (model === null) {
      throw new RoundSchedulerError(RoundSchedulerErrorCode.NoModelVersion, `plan ${planId} has no model version yet; the model registry publishes one at start for its configured plan, and on TrainingPlanDefined for an operator's`);
    }
    const roundId = RoundId.parse(`r-${randomUUID()}`);
    if (!(await this.rounds.claimActive(planId, roundId))) {
      throw new RoundSchedulerError(RoundSchedulerErrorCode.RoundAlreadyActive, `plan ${planId} already has an active round; wait for it to commit or abort`);
    }
    return tracer.startActiveSpan('round.open', { attributes: { 'cohort.plan_id': planId, 'cohort.round_id': roundId } }, async (span) => {
      try {
        const round = await this.sampleAndOpen(plan, roundId, model);
        span.setAttribute('cohort.cohort_size', round.cohort.length);
        return round;
      } catch (error) {
        await this.rounds.releaseActive(planId, roundId);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private async sampleAndOpen(plan: PlanSettings, roundId: RoundId, model: CurrentModel): Promise<RoundRecord> {
    // Hardware-aware eligibility: only users with a device that meets the plan's requirements are
    // candidates (and only candidates are charged: the others could not have been sampled).
    const qualifying = plan.devices === undefined ? null : await this.pool.eligibleDevices(plan.devices);
    const candidates = qualifying === null ? await this.pool.users() : [...new Set(qualifying.map((device) => device.userId))];
    const draft: RoundMechanism = {
      kind: 'dp-fedavg-gaussian',
      samplingRate: selectionRate(plan),
      noiseMultiplier: plan.noiseMultiplier,
      clipNorm: plan.clipNorm,
      populationSize: Math.max(1, candidates.length),
    };
    const eligibleUserIds = candidates.length === 0 ? [] : await this.budget.eligibleUsers(plan.planId, candidates, draft);
    const mechanism: RoundMechanism = { ...draft, populationSize: Math.max(1, eligibleUserIds.length) };
    // Poisson sampling: every eligible user independently with probability q (Abadi et al. 2016).
    const sampled = eligibleUserIds.filter(() => this.random() < mechanism.samplingRate);
    const devices = qualifying === null ? await this.pool.devicesOf(sampled) : new Map(qualifying.map((device) => [device.userId, device.clientId]));
    const cohort: ClientId[] = sampled.flatMap((userId) => devices.get(userId) ?? []);
    const round: RoundRecord = {
      roundId,
      planId: plan.planId,
      roundNumber: await this.rounds.nextRoundNumber(plan.planId),
      state: 'open',
      baseModelVersion: model.modelVersion,
      dimension: model.dimension,
      mechanism,
      cohort,
      eligibleUserIds,
      expectedCohortSize: mechanism.samplingRate * (1 - (plan.expectedDropout ?? 0)) * mechanism.populationSize,
      minSurvivors: plan.minSurvivors,
      uploadDeadline: new Date(Date.now() + plan.uploadDeadlineMs).toISOString(),
      openedAt: new Date().toISOString(),
    };
    await this.rounds.save(round);
    await this.bus.publish(RoundOpened, {
      roundId,
      planId: plan.planId,
      roundNumber: round.roundNumber,
      baseModelVersion: model.modelVersion,
      dimension: model.dimension,
      mechanism,
      cohort,
      expectedCohortSize: round.expectedCohortSize,
      minSurvivors: plan.minSurvivors,
      aggregation: plan.aggregation,
      localLearningRate: plan.localLearningRate,
      uploadDeadline: round.uploadDeadline,
    }, { correlationId: roundId });
    this.logger.log({ roundId, planId: plan.planId, cohortSize: cohort.length, eligible: eligibleUserIds.length }, 'round opened');
    return round;
  }

  async find(roundId: RoundId): Promise<RoundRecord> {
    const round = await this.rounds.find(roundId);
    if (round === null) throw new RoundSchedulerError(RoundSchedulerErrorCode.RoundNotFound, `round ${roundId} does not exist`);
    return round;
  }

  /** A device's task, or null when it is not in the cohort of the plan's active round. */
  async checkIn(clientId: ClientId, planId?: PlanId): Promise<TrainingTask | null> {
    for (const plan of planId === undefined ? await this.plans.allSettings() : [await this.plans.settings(planId)]) {
      const round = await this.rounds.activeRound(plan.planId);
      if (round === null || round.state !== 'open' || !(await this.rounds.isInCohort(round.roundId, clientId))) continue;
      return {
        roundId: round.roundId,
        planId: round.planId,
        baseModelVersion: round.baseModelVersion,
        modelPath: `/v1/models/${encodeURIComponent(round.baseModelVersion)}/artifact`,
        uploadPath: `/v1/rounds/${encodeURIComponent(round.roundId)}/secagg`,
        mechanism: round.mechanism,
        localLearningRate: plan.localLearningRate,
        aggregation: plan.aggregation,
        uploadDeadline: round.uploadDeadline,
      };
    }
    return null;
  }

  async recordModelVersion(planId: PlanId, model: CurrentModel): Promise<void> {
    await this.rounds.recordModelVersion(planId, model);
  }

  async commit(roundId: RoundId, modelVersion: ModelVersion): Promise<void> {
    const round = await this.find(roundId);
    if (round.state !== 'open') return; // already closed: a redelivery
    // Publish first: the accountant is idempotent by round id, so a crash before the state write
    // leads to a harmless re-publish, while the opposite order could lose the charge.
    await this.bus.publish(RoundCommitted, {
      roundId,
      planId: round.planId,
      roundNumber: round.roundNumber,
      modelVersion,
      mechanism: round.mechanism,
      cohortSize: round.cohort.length,
      eligibleUserIds: round.eligibleUserIds,
    }, { correlationId: roundId });
    await this.rounds.save({ ...round, state: 'committed', modelVersion });
    await this.rounds.releaseActive(round.planId, roundId);
    this.logger.log({ roundId, planId: round.planId, modelVersion }, 'round committed');
  }

  async abort(roundId: RoundId, reason: string): Promise<void> {
    const round = await this.find(roundId);
    if (round.state !== 'open') return;
    await this.bus.publish(RoundAborted, { roundId, planId: round.planId, reason }, { correlationId: roundId });
    await this.rounds.save({ ...round, state: 'aborted', reason });
    await this.rounds.releaseActive(round.planId, roundId);
    this.logger.warn({ roundId, planId: round.planId, reason }, 'round aborted');
  }
}
