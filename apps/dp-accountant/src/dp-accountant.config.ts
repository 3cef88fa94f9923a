/** dp-accountant's one config schema, parsed once at boot. */
import { z } from 'zod';
import { dpAccountantConfigShape } from '@cohort/feature-dp-accountant';
import { commonConfigSchema } from '@cohort/nest-common';

export const DpAccountantConfig = commonConfigSchema.extend({
  ...dpAccountantConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8084),
});
export type DpAccountantConfig = z.output<typeof DpAccountantConfig>;
