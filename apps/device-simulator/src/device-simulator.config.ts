/** The device simulator's one config schema: where the services are, which keys to use, how many devices. */
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
  COHORT_PLAN_ID: PlanId.default(PlanId.parse('plan-default')),
  COHORT_DEVICES: z.coerce.number().int().min(1).max(100_000).default(100),
  COHORT_ROUNDS: z.coerce.number().int().min(0).default(3),
  COHORT_CATALOG_ITEMS: z.coerce.number().int().min(2).default(200),
  COHORT_CATALOG_CATEGORIES: z.coerce.number().int().min(1).default(10),
  COHORT_INTERACTIONS_PER_USER: z.coerce.number().int().min(1).default(30),
  COHORT_DROPOUT_RATE: z.coerce.number().min(0).max(1).default(0.1),
  COHORT_MAX_STRAGGLER_MS: z.coerce.number().int().min(0).default(200),
  COHORT_SIMULATION_SEED: z.coerce.number().int().default(42),
  COHORT_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(32),
  COHORT_ROUND_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
});
export type DeviceSimulatorConfig = z.output<typeof DeviceSimulatorConfig>;
