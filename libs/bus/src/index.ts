/**
 * @cohort/bus — the event bus port and its two adapters (Kafka, embedded). Services depend on
 * the `EventBus` port only; `createEventBus` picks the adapter from config. See docs/bus.md for
 * the semantics (ordering, commits, failure policies, DLQ headers, de-duplication, tracing).
 * The contract test suite (`src/testing/`) is deliberately not exported: it imports vitest.
 */
export * from './event-bus.port';
export { BusError, type BusErrorCode } from './bus.error';
export { noopBusLogger, type BusLogger } from './bus.logger';
export { currentCorrelationId } from './correlation.context';
export { murmur2, partitionForKey } from './murmur2.partitioner';
export { TRACER_NAME } from './bus.tracing';
export { EmbeddedBroker, type EmbeddedBrokerOptions, type RawRecord } from './embedded/embedded-broker';
export { EmbeddedEventBus, type EmbeddedEventBusOptions } from './embedded/embedded-event-bus.adapter';
export { KafkaEventBus, type KafkaConsumerTuning, type KafkaEventBusOptions } from './kafka/kafka-event-bus.adapter';
export { TOPIC_MAX_MESSAGE_BYTES } from './kafka/kafka-topic.admin';
export { createEventBus, type EventBusConfig } from './event-bus.factory';
