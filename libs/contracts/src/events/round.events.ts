/**
 * Events of the training round, in the order they happen (DESIGN.md, "One round"):
 * RoundOpened → AggregateReady | AggregationAborted → RoundCommitted | RoundAborted.
 */
import { z } from 'zod';
import { BlobRef } from '../blob-ref';
import { ClientId, ModelVersion, PlanId, RoundId, UserId } from '../ids';
import { TOPICS } from '../topics';
import { defineEvent } from './define-event';

export const AggregationKind = z.enum(['plain-insecure', 'secagg-plus']);
export type AggregationKind = z.infer<typeof AggregationKind>;

/** The DP-FedAvg mechanism of one round: what the accountant charges for. */
export const RoundMechanism = z.object({
  kind: z.literal('dp-fedavg-gaussian'),
  samplingRate: z.number().gt(0).lte(1),
  noiseMultiplier: z.number().nonnegative(),
  clipNorm: z.number().positive(),
  populationSize: z.number().int().positive(),
});
export type RoundMechanism = z.infer<typeof RoundMechanism>;

export const RoundOpened = defineEvent({
  type: 'RoundOpened',
  version: 1,
  topic: TOPICS.roundOpened,
  payload: z.object({
    roundId: RoundId,
    planId: PlanId,
    roundNumber: z.number().int().positive(),
    baseModelVersion: ModelVersion,
    /** Number of model parameters: every update must have exactly this many entries. */
    dimension: z.number().int().positive(),
    mechanism: RoundMechanism,
    cohort: z.array(ClientId).max(100_000),
    expectedCohortSize: z.number().positive(),
    minSurvivors: z.number().int().positive(),
    aggregation: AggregationKind,
    localLearningRate: z.number().positive(),
    uploadDeadline: z.iso.datetime({ offset: true }),
  }),
  keyOf: (p) => p.roundId,
});

export const AggregateReady = defineEvent({
  type: 'AggregateReady',
  version: 1,
  topic: TOPICS.aggregateReady,
  payload: z.object({
    roundId: RoundId,
    planId: PlanId,
    roundNumber: z.number().int().positive(),
    baseModelVersion: ModelVersion,
    /** The noised sum of clipped updates, Float32 little-endian, `dimension` entries. */
    sum: BlobRef,
    dimension: z.number().int().positive(),
    contributors: z.number().int().nonnegative(),
    expectedCohortSize: z.number().positive(),
    noiseStddev: z.number().nonnegative(),
    aggregation: AggregationKind,
  }),
  keyOf: (p) => p.roundId,
});

export const AggregationAborted = defineEvent({
  type: 'AggregationAborted',
  version: 1,
  topic: TOPICS.aggregationAborted,
  payload: z.object({
    roundId: RoundId,
    planId: PlanId,
    reason: z.string().min(1).max(512),
    survivors: z.number().int().nonnegative(),
    required: z.number().int().positive(),
  }),
  keyOf: (p) => p.roundId,
});

export const RoundCommitted = defineEvent({
  type: 'RoundCommitted',
  version: 1,
  topic: TOPICS.roundCommitted,
  payload: z.object({
    roundId: RoundId,
    planId: PlanId,
    roundNumber: z.number().int().positive(),
    modelVersion: ModelVersion,
    mechanism: RoundMechanism,
    cohortSize: z.number().int().nonnegative(),
    /** Every user who was eligible for sampling in this round: each is charged for it. */
    eligibleUserIds: z.array(UserId).max(1_000_000),
  }),
  keyOf: (p) => p.planId,
});

export const RoundAborted = defineEvent({
  type: 'RoundAborted',
  version: 1,
  topic: TOPICS.roundAborted,
  payload: z.object({
    roundId: RoundId,
    planId: PlanId,
    reason: z.string().min(1).max(512),
  }),
  keyOf: (p) => p.planId,
});
