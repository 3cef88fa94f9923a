/** secure-aggregator's one config schema, parsed once at boot. */
import { z } from 'zod';
import { commonConfigSchema } from '@cohort/nest-common';

export const SecureAggregatorConfig = commonConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8083),
  /** How often open rounds are checked against their upload deadline. */
  COHORT_DEADLINE_SWEEP_MS: z.coerce.number().int().min(10).default(250),
});
export type SecureAggregatorConfig = z.output<typeof SecureAggregatorConfig>;
