/** client-registry's one config schema, parsed once at boot. */
import { z } from 'zod';
import { commonConfigSchema } from '@cohort/nest-common';

export const ClientRegistryConfig = commonConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
});
export type ClientRegistryConfig = z.output<typeof ClientRegistryConfig>;
