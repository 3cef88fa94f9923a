/** round-scheduler's one config schema, parsed once at boot. */
import { z } from 'zod';
import { roundSchedulerConfigShape } from '@cohort/feature-round-scheduler';
import { apiKeySchema, commonConfigSchema } from '@cohort/nest-common';

export const RoundSchedulerConfig = commonConfigSchema.extend({
  ...roundSchedulerConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8082),
  /** dp-accountant, asked before every round. */
  COHORT_ACCOUNTANT_URL: z.url().default('http://127.0.0.1:8084'),
  /** An operator-role key this service presents to dp-accountant. */
  COHORT_SERVICE_API_KEY: apiKeySchema,
});
export type RoundSchedulerConfig = z.output<typeof RoundSchedulerConfig>;
