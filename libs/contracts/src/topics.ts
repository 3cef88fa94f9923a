/**
 * The topic registry: every topic Cohort uses, with its partitioning and retention. The bus
 * creates topics from this list at start, so a topic that is not here does not exist.
 *
 * Naming: `cohort.<domain>.<event>.v<N>`; the dead-letter topic of `t` is `t.dlq`.
 * Keys: the entity whose events must stay ordered (round id, plan id, client id, item id).
 */
export type CleanupPolicy = 'delete' | 'compact';

export interface TopicSpec {
  readonly name: string;
  /** What the message key is, for operators reading the registry. */
  readonly key: 'roundId' | 'planId' | 'clientId' | 'itemId' | 'userId';
  readonly partitions: number;
  /** Retention in milliseconds; `null` keeps messages forever. */
  readonly retentionMs: number | null;
  readonly cleanupPolicy: CleanupPolicy;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const TOPICS = {
  clientRegistered: { name: 'cohort.client.registered.v1', key: 'clientId', partitions: 6, retentionMs: null, cleanupPolicy: 'compact' },
  /** The latest profile per device is all that matters: compacted. */
  clientCapabilitiesUpdated: { name: 'cohort.client.capabilities-updated.v1', key: 'clientId', partitions: 6, retentionMs: null, cleanupPolicy: 'compact' },
  /** Every consent decision, kept forever: the record of who agreed to train, and when. */
  clientConsentChanged: { name: 'cohort.client.consent-changed.v1', key: 'clientId', partitions: 6, retentionMs: null, cleanupPolicy: 'delete' },
  /** Operators' plan definitions, each whole: the latest per plan is what model-registry needs. */
  planDefined: { name: 'cohort.plan.defined.v1', key: 'planId', partitions: 3, retentionMs: null, cleanupPolicy: 'compact' },
  roundOpened: { name: 'cohort.round.opened.v1', key: 'roundId', partitions: 6, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' },
  aggregateReady: { name: 'cohort.aggregate.ready.v1', key: 'roundId', partitions: 6, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' },
  aggregationAborted: { name: 'cohort.aggregate.aborted.v1', key: 'roundId', partitions: 6, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' },
  modelVersionPublished: { name: 'cohort.model.version-published.v1', key: 'planId', partitions: 3, retentionMs: null, cleanupPolicy: 'delete' },
  modelVersionPromoted: { name: 'cohort.model.version-promoted.v1', key: 'planId', partitions: 3, retentionMs: null, cleanupPolicy: 'delete' },
  roundCommitted: { name: 'cohort.round.committed.v1', key: 'planId', partitions: 3, retentionMs: null, cleanupPolicy: 'delete' },
  roundAborted: { name: 'cohort.round.aborted.v1', key: 'planId', partitions: 3, retentionMs: null, cleanupPolicy: 'delete' },
  catalogItemUpserted: { name: 'cohort.catalog.item-upserted.v1', key: 'itemId', partitions: 6, retentionMs: null, cleanupPolicy: 'compact' },
  catalogItemEmbedded: { name: 'cohort.catalog.item-embedded.v1', key: 'itemId', partitions: 6, retentionMs: null, cleanupPolicy: 'compact' },
  /**
   * The privacy ledger: one hash chain over every committed round, in order. One partition, so the
   * topic's order IS the chain's order and its single writer can be arbitrated by the log itself
   * (docs/dp-accountant.md); kept forever: it is the system of record of every privacy charge.
   */
  privacyLedger: { name: 'cohort.privacy.ledger.v1', key: 'planId', partitions: 1, retentionMs: null, cleanupPolicy: 'delete' },
  userBudgetExhausted: { name: 'cohort.privacy.user-budget-exhausted.v1', key: 'userId', partitions: 3, retentionMs: null, cleanupPolicy: 'delete' },
  planBudgetExhausted: { name: 'cohort.privacy.plan-budget-exhausted.v1', key: 'planId', partitions: 3, retentionMs: null, cleanupPolicy: 'delete' },
  modelPrivacyComputed: { name: 'cohort.privacy.model-privacy-computed.v1', key: 'planId', partitions: 3, retentionMs: null, cleanupPolicy: 'delete' },
} as const satisfies Record<string, TopicSpec>;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS]['name'];

export const DLQ_SUFFIX = '.dlq';

export function dlqTopicOf(topic: string): string {
  return `${topic}${DLQ_SUFFIX}`;
}

/** The dead-letter topic of a registry topic: same key, kept long enough to investigate. */
export function dlqSpecOf(spec: TopicSpec): TopicSpec {
  return { name: dlqTopicOf(spec.name), key: spec.key, partitions: 1, retentionMs: 30 * DAY_MS, cleanupPolicy: 'delete' };
}

export const ALL_TOPICS: readonly TopicSpec[] = Object.values(TOPICS).flatMap((spec) => [spec, dlqSpecOf(spec)]);
