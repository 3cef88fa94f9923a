/** client-registry's one config schema, parsed once at boot. */
import { z } from 'zod';
import { clientRegistryConfigShape, trustedIssuersSchema } from '@cohort/feature-client-registry';
import { commonConfigSchema } from '@cohort/nest-common';

export const ClientRegistryConfig = commonConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  ...clientRegistryConfigShape,
  /** Required here: without a trusted attestation issuer no device could enrol. */
  COHORT_ATTESTATION_ISSUERS: trustedIssuersSchema.refine((issuers) => issuers.length > 0, 'must name at least one attestation issuer, or no device can enrol'),
});
export type ClientRegistryConfig = z.output<typeof ClientRegistryConfig>;
