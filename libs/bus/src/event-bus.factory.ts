/**
 * One place that turns validated config into an `EventBus`: Kafka in distributed mode, the
 * embedded bus in standalone mode and tests. Apps parse their config once at boot and pass the
 * result here; the bus reads no environment. Invariant: the returned bus is not started.
 */
import { EmbeddedEventBus, type EmbeddedEventBusOptions } from './embedded/embedded-event-bus.adapter';
import type { EventBus } from './event-bus.port';
import { KafkaEventBus, type KafkaEventBusOptions } from './kafka/kafka-event-bus.adapter';

export type EventBusConfig = ({ readonly kind: 'kafka' } & KafkaEventBusOptions) | ({ readonly kind: 'embedded' } & EmbeddedEventBusOptions);

export function createEventBus(config: { readonly kind: 'kafka' } & KafkaEventBusOptions): KafkaEventBus;
export function createEventBus(config: { readonly kind: 'embedded' } & EmbeddedEventBusOptions): EmbeddedEventBus;
export function createEventBus(config: EventBusConfig): EventBus;
export function createEventBus(config: EventBusConfig): EventBus {
  switch (config.kind) {
    case 'kafka': {
      const { kind: _kind, ...options } = config;
      return new KafkaEventBus(options);
    }
    case 'embedded': {
      const { kind: _kind, ...options } = config;
      return new EmbeddedEventBus(options);
    }
    default: {
      const unknown: never = config;
      throw new Error(`unknown event bus kind '${(unknown as { kind: string }).kind}'; expected 'kafka' or 'embedded'`);
    }
  }
}


