import { CatalogItemEmbedded, CatalogItemUpserted } from './catalog.events';
import { ClientCapabilitiesUpdated, ClientConsentChanged, ClientRegistered } from './client.events';
import { ModelVersionPromoted, ModelVersionPublished } from './model.events';
import { TrainingPlanDefined } from './plan.events';
import { LedgerEntryAppended, ModelPrivacyComputed, PlanBudgetExhausted, UserBudgetExhausted } from './privacy.events';
import { AggregateReady, AggregationAborted, RoundAborted, RoundCommitted, RoundOpened } from './round.events';

export * from './catalog.events';
export * from './client.events';
export * from './define-event';
export * from './model.events';
export * from './plan.events';
export * from './privacy.events';
export * from './round.events';

/** Every event Cohort publishes. Adding one here makes the bus create its topic. */
export const EVENTS = {
  ClientRegistered,
  ClientCapabilitiesUpdated,
  ClientConsentChanged,
  TrainingPlanDefined,
  RoundOpened,
  AggregateReady,
  AggregationAborted,
  ModelVersionPublished,
  ModelVersionPromoted,
  RoundCommitted,
  RoundAborted,
  CatalogItemUpserted,
  CatalogItemEmbedded,
  LedgerEntryAppended,
  ModelPrivacyComputed,
  UserBudgetExhausted,
  PlanBudgetExhausted,
} as const;

export type EventType = keyof typeof EVENTS;
