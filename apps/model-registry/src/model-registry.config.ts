/** model-registry's one config schema, parsed once at boot. */
import { z } from 'zod';
import { modelRegistryConfigShape } from '@cohort/feature-model-registry';
import { commonConfigSchema } from '@cohort/nest-common';

export const ModelRegistryConfig = commonConfigSchema.extend({
  ...modelRegistryConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(8085),
});
export type ModelRegistryConfig = z.output<typeof ModelRegistryConfig>;
