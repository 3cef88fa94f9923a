/** inference-worker's one config schema, parsed once at boot. */
import { z } from 'zod';
import { inferenceWorkerConfigShape } from '@cohort/feature-inference-worker';
import { commonConfigSchema } from '@cohort/nest-common';

export const InferenceWorkerConfig = commonConfigSchema
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(8087),
    ...inferenceWorkerConfigShape,
  })
  .superRefine((config, ctx) => {
    if (config.COHORT_ENCODER_QUEUE_LIMIT < config.COHORT_ENCODER_MAX_BATCH) {
      ctx.addIssue({ code: 'custom', path: ['COHORT_ENCODER_QUEUE_LIMIT'], message: `must be at least COHORT_ENCODER_MAX_BATCH (${config.COHORT_ENCODER_MAX_BATCH})` });
    }
  });
export type InferenceWorkerConfig = z.output<typeof InferenceWorkerConfig>;
