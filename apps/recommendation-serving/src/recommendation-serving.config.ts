/** recommendation-serving's one config schema, parsed once at boot. */
import { hostname } from 'node:os';
import { z } from 'zod';
import { PlanId } from '@cohort/contracts';
import { commonConfigSchema } from '@cohort/nest-common';

export const RecommendationServingConfig = commonConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8086),
  COHORT_PLAN_ID: PlanId.default(PlanId.parse('plan-default')),
  /** Names this replica's consumer group; defaults to host and pid. */
  COHORT_INSTANCE_ID: z.string().regex(/^[A-Za-z0-9._-]+$/).default(`${hostname()}-${process.pid}`),
});
export type RecommendationServingConfig = z.output<typeof RecommendationServingConfig>;
