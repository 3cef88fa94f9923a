/**
 * The device simulator's one config schema: where the services are, which keys to use, how many
 * devices, and the attestation key its devices' enrolment tokens are signed with (the private
 * half of an issuer client-registry trusts; `npm run dev:distributed` hands over its cluster's).
 */
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import { PlanId } from '@cohort/contracts';
import { apiKeySchema } from '@cohort/nest-common';

export const DeviceSimulatorConfig = z.object({
  COHORT_CLIENT_REGISTRY_URL: z.url().default('http://127.0.0.1:8081'),
  COHORT_SCHEDULER_URL: z.url().default('http://127.0.0.1:8082'),
  COHORT_AGGREGATOR_URL: z.url().default('http://127.0.0.1:8083'),
  COHORT_MODEL_REGISTRY_URL: z.url().default('http://127.0.0.1:8085'),
  COHORT_DEVICE_API_KEY: apiKeySchema,
  COHORT_OPERATOR_API_KEY: apiKeySchema,
  /** An Ed25519 private JWK (JSON). A secret: messages about it never echo it. */
  COHORT_ATTESTATION_SIGNING_KEY: z.string().transform((text, ctx) => {
    try {
      const jwk = JSON.parse(text) as JsonWebKey;
      if (createPrivateKey({ key: jwk, format: 'jwk' }).asymmetricKeyType === 'ed25519') return jwk;
    } catch {
      // reported below, without the value
    }
    ctx.issues.push({ code: 'custom', message: 'must be an Ed25519 private key as a JWK (JSON with kty OKP, crv Ed25519, x and d)', input: undefined });
    return z.NEVER;
  }),
  /** The `iss` and `aud` of the tokens: as client-registry's COHORT_ATTESTATION_ISSUERS and COHORT_ATTESTATION_AUDIENCE name them. */
  COHORT_ATTESTATION_ISSUER: z.string().min(1).default('cohort-cluster-attestation'),
  COHORT_ATTESTATION_AUDIENCE: z.string().min(1).default('cohort-client-registry'),
  COHORT_PLAN_ID: PlanId.default(PlanId.parse('plan-default')),
  COHORT_DEVICES: z.coerce.number().int().min(1).max(100_000).default(100),
  COHORT_ROUNDS: z.coerce.number().int().min(0).default(3),
  COHORT_CATALOG_ITEMS: z.coerce.number().int().min(2).default(200),
  COHORT_CATALOG_CATEGORIES: z.coerce.number().int().min(1).default(10),
  /** Orders of each simulated user over the synthetic catalog. */
  COHORT_SYNTHETIC_ORDERS: z.coerce.number().int().min(2).max(1_000).default(8),
  COHORT_DROPOUT_RATE: z.coerce.number().min(0).max(1).default(0.1),
  COHORT_MAX_STRAGGLER_MS: z.coerce.number().int().min(0).default(200),
  COHORT_SIMULATION_SEED: z.coerce.number().int().default(42),
  COHORT_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(32),
  COHORT_ROUND_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
});
export type DeviceSimulatorConfig = z.output<typeof DeviceSimulatorConfig>;
