/** inference-worker's one config schema, parsed once at boot. */
import { z } from 'zod';
import { inferenceWorkerConfigShape, refineInferenceWorkerConfig } from '@cohort/feature-inference-worker';
import { commonConfigSchema } from '@cohort/nest-common';

export const InferenceWorkerConfig = commonConfigSchema
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(8087),
    ...inferenceWorkerConfigShape,
  })
  .superRefine(refineInferenceWorkerConfig);
export type InferenceWorkerConfig = z.output<typeof InferenceWorkerConfig>;
