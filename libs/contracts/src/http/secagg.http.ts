/**
 * Device-facing HTTP of a SecAgg+ session on `secure-aggregator` (docs/secagg.md, "Wire protocol").
 *
 * Every route lives under `/v1/rounds/{roundId}/secagg` and names the device in `X-Cohort-Client-Id`.
 * Stage messages are JSON in `@cohort/secagg`'s codec (byte fields as `{"$bytes": base64}`), except
 * the masked input, which is `application/octet-stream`: d little-endian 32-bit words, signed by the
 * device's identity key in `X-Cohort-Secagg-Signature` (`SECAGG_SIGNATURE_HEADER`). The session
 * view is JSON in the same codec: the summary below plus `request`, the server's request of the
 * current stage addressed to this device (null when the device takes no part in it).
 */
import { z } from 'zod';
import { RoundId } from '../ids';

/**
 * Header of the masked-input upload: the base64 Ed25519 signature, by the device's registered
 * identity key, of `maskedInputTranscript(roundId, clientId, words)` (`@cohort/secagg`).
 */
export const SECAGG_SIGNATURE_HEADER = 'x-cohort-secagg-signature';

/** The stages a device posts to, in order, with the path segment of each. */
export const SECAGG_STAGE_ROUTES = {
  AdvertiseKeys: 'advertise-keys',
  ShareKeys: 'share-keys',
  MaskedInput: 'masked-input',
  ConsistencyCheck: 'consistency-check',
  Unmask: 'unmask',
} as const;
export type SecAggProtocolStage = keyof typeof SECAGG_STAGE_ROUTES;

export const SecAggSessionStage = z.enum(['AdvertiseKeys', 'ShareKeys', 'MaskedInput', 'ConsistencyCheck', 'Unmask', 'Finished', 'Aborted']);
export type SecAggSessionStage = z.infer<typeof SecAggSessionStage>;

/** The session's public parameters (`@cohort/secagg` SecAggParams). */
export const SecAggSessionParams = z.object({
  clients: z.number().int().min(3),
  dimension: z.number().int().positive(),
  modulusBits: z.number().int().min(1).max(32),
  clipRange: z.number().positive(),
  scale: z.number().positive(),
  degree: z.number().int().min(2),
  threshold: z.number().int().min(2),
  quantizedBound: z.number().int().positive(),
});
export type SecAggSessionParams = z.infer<typeof SecAggSessionParams>;

/** `GET /v1/rounds/{roundId}/secagg[?after=<stage>]`, without the codec-encoded `request`. */
export const SecAggSessionSummary = z.object({
  roundId: RoundId,
  /** This device's group when the cohort is sharded (0 … groups − 1). */
  group: z.number().int().nonnegative(),
  groups: z.number().int().positive(),
  stage: SecAggSessionStage,
  /** When the current stage closes whether or not every device answered. */
  stageDeadline: z.iso.datetime({ offset: true }),
  params: SecAggSessionParams,
  /** Base URL of the replica that serves this device's group; devices post their stages there. */
  endpoint: z.string().min(1).nullable(),
  /** Whether this device is still in the session (false once it was dropped from a stage). */
  participating: z.boolean(),
  /** Why the session aborted (stage `Aborted`). */
  abortReason: z.string().optional(),
});
export type SecAggSessionSummary = z.infer<typeof SecAggSessionSummary>;

export const SecAggStageAccepted = z.object({ accepted: z.literal(true), stage: SecAggSessionStage });
export type SecAggStageAccepted = z.infer<typeof SecAggStageAccepted>;

/** Longest a `?after=` long poll is held before the current view is returned anyway. */
export const SECAGG_LONG_POLL_MS = 20_000;
