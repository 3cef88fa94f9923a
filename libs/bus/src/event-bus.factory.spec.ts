/**
 * The factory builds the adapter the config names (unstarted) and validates Kafka options; the
 * lifecycle errors (`not-started`, `closed`) are the same whichever adapter it returns.
 */
import { defineEvent } from '@cohort/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EmbeddedEventBus } from './embedded/embedded-event-bus.adapter';
import { createEventBus } from './event-bus.factory';
import { KafkaEventBus } from './kafka/kafka-event-bus.adapter';

const Noted = defineEvent({
  type: 'FactoryNoted',
  version: 1,
  topic: { name: 'cohort.test.factory.v1', key: 'roundId', partitions: 1, retentionMs: null, cleanupPolicy: 'delete' },
  payload: z.object({ n: z.number() }),
  keyOf: () => 'k',
});

describe('createEventBus', () => {
  it('builds the adapter the config names, unstarted', async () => {
    expect(createEventBus({ kind: 'kafka', brokers: ['127.0.0.1:9092'], clientId: 'test' })).toBeInstanceOf(KafkaEventBus);
    const embedded = createEventBus({ kind: 'embedded' });
    expect(embedded).toBeInstanceOf(EmbeddedEventBus);
    expect(await embedded.isHealthy()).toBe(false);
    await expect(embedded.publish(Noted, { n: 1 })).rejects.toMatchObject({ code: 'not-started' });
  });

  it('refuses a Kafka config without brokers or client id, naming the option', () => {
    expect(() => createEventBus({ kind: 'kafka', brokers: [], clientId: 'x' })).toThrow(/options.brokers/);
    expect(() => createEventBus({ kind: 'kafka', brokers: ['h:1'], clientId: '' })).toThrow(/options.clientId/);
  });

  it('a closed bus refuses new work; a closed subscription gets nothing more', async () => {
    const bus = createEventBus({ kind: 'embedded' });
    await bus.start();
    const seen: number[] = [];
    const subscription = await bus.subscribe(Noted, async (event) => void seen.push(event.payload.n), { group: 'g', policy: 'retry-then-dlq' });
    await bus.publish(Noted, { n: 1 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await subscription.close();
    await bus.publish(Noted, { n: 2 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual([1]);
    await bus.close();
    await expect(bus.publish(Noted, { n: 3 })).rejects.toMatchObject({ code: 'closed' });
    await expect(bus.subscribe(Noted, async () => undefined, { group: 'g', policy: 'retry-then-dlq' })).rejects.toMatchObject({ code: 'closed' });
  });
});
