/**
 * Events of training plans: an operator defined (or redefined) a plan on round-scheduler. Each
 * event carries the whole of what model-registry needs, never a delta, so the latest one per plan
 * is all that matters (a compacted topic) and a replay is harmless.
 */
import { z } from 'zod';
import { PlanId } from '../ids';
import { TOPICS } from '../topics';
import { LocalTrainingPlan, ServerOptimizer, TwoTowerConfig } from '../http/model.http';
import { defineEvent } from './define-event';

export const TrainingPlanDefined = defineEvent({
  type: 'TrainingPlanDefined',
  version: 1,
  topic: TOPICS.planDefined,
  payload: z.object({
    planId: PlanId,
    /** Absent: the registry's configured architecture. Fixed once the registry has a version of the plan. */
    model: TwoTowerConfig.loose().optional(),
    /** Overrides of the registry's configured local training plan. */
    training: LocalTrainingPlan.partial().loose(),
    /** Absent: the registry's configured server optimizer. */
    serverOptimizer: ServerOptimizer.optional(),
    definedAt: z.iso.datetime({ offset: true }),
  }),
  keyOf: (p) => p.planId,
});
