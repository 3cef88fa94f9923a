/**
 * Takes each model version's privacy guarantee from dp-accountant, so every answer names the
 * (ε, δ) its model was trained under. Like promotions, every replica needs every guarantee: one
 * consumer group per replica, from the start of the topic.
 * Failure policy: retry-then-dlq — guarantees are independent facts, keyed by plan.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EVENT_BUS, type EventBus } from '@cohort/bus';
import { ModelPrivacyComputed } from '@cohort/contracts';
import { SERVING_OPTIONS, type ServingOptions } from './model-promoted.consumer';
import { ServingModel } from './serving-model';

@Injectable()
export class ModelPrivacyConsumer implements OnModuleInit {
  private readonly logger = new Logger(ModelPrivacyConsumer.name);

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(ServingModel) private readonly model: ServingModel,
    @Inject(SERVING_OPTIONS) private readonly options: ServingOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(
      ModelPrivacyComputed,
      async ({ payload }) => {
        if (payload.planId !== this.options.planId) return;
        this.model.setPrivacy(payload.modelVersion, { epsilon: payload.epsilon, delta: payload.delta });
        this.logger.log({ modelVersion: payload.modelVersion, epsilon: payload.epsilon, delta: payload.delta }, 'model privacy guarantee received');
      },
      { group: `recommendation-serving.privacy.${this.options.instanceId}`, policy: 'retry-then-dlq' },
    );
  }
}
