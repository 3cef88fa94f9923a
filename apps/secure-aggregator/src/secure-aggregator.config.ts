/** secure-aggregator's one config schema, parsed once at boot. */
import { z } from 'zod';
import { secureAggregatorConfigShape } from '@cohort/feature-secure-aggregator';
import { commonConfigSchema } from '@cohort/nest-common';

export const SecureAggregatorConfig = commonConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8083),
  ...secureAggregatorConfigShape,
});
export type SecureAggregatorConfig = z.output<typeof SecureAggregatorConfig>;
