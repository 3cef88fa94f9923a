/**
 * The batcher against a fake producer: concurrent publishes share requests, order is kept, the
 * byte cap holds, and a failed request rejects exactly its own messages.
 */
import type { Producer, ProducerBatch } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaProduceBatcher } from './kafka-produce.batcher';

function fakeProducer(failOn?: (batch: ProducerBatch) => boolean) {
  const requests: Array<Array<[topic: string, value: string]>> = [];
  let release: (() => void) | undefined;
  const producer = {
    sendBatch: async (batch: ProducerBatch) => {
      requests.push((batch.topicMessages ?? []).flatMap(({ topic, messages }) => messages.map((message) => [topic, String(message.value)] as [string, string])));
      // Hold the first request so that later publishes queue up behind it.
      if (requests.length === 1) await new Promise<void>((resolve) => (release = resolve));
      if (failOn?.(batch)) throw new Error('broker said no');
      return [];
    },
  } as unknown as Producer;
  return { producer, requests, release: () => release?.() };
}

describe('KafkaProduceBatcher', () => {
  it('sends what queued during a request in one next request, in order', async () => {
    const fake = fakeProducer();
    const batcher = new KafkaProduceBatcher(fake.producer, 1_000);
    const first = batcher.send('a', { key: 'k', value: '0' });
    const rest = [1, 2, 3].map((i) => batcher.send(i === 2 ? 'b' : 'a', { key: 'k', value: String(i) }));
    await new Promise((resolve) => setImmediate(resolve));
    fake.release();
    await Promise.all([first, ...rest]);
    expect(fake.requests).toEqual([[['a', '0']], [['a', '1'], ['a', '3'], ['b', '2']]]);
  });

  it('caps the bytes of a request, but lets a single large message go alone', async () => {
    const fake = fakeProducer();
    const batcher = new KafkaProduceBatcher(fake.producer, 10);
    const sends = [batcher.send('t', { key: null, value: 'x' }), batcher.send('t', { key: null, value: '123456' }), batcher.send('t', { key: null, value: '7890' }), batcher.send('t', { key: null, value: 'y'.repeat(25) })];
    await new Promise((resolve) => setImmediate(resolve));
    fake.release();
    await Promise.all(sends);
    expect(fake.requests.map((request) => request.map(([, value]) => value.length))).toEqual([[1], [6, 4], [25]]);
  });

  it('rejects exactly the messages of a failed request', async () => {
    const fake = fakeProducer((batch) => batch.topicMessages!.some(({ messages }) => messages.some((message) => String(message.value) === 'bad')));
    const batcher = new KafkaProduceBatcher(fake.producer, 1_000);
    const first = batcher.send('t', { key: null, value: 'ok' });
    const second = batcher.send('t', { key: null, value: 'bad' });
    const third = batcher.send('t', { key: null, value: 'also-in-that-request' });
    await new Promise((resolve) => setImmediate(resolve));
    fake.release();
    await expect(first).resolves.toBeUndefined();
    await expect(second).rejects.toThrow('broker said no');
    await expect(third).rejects.toThrow('broker said no');
    await expect(batcher.send('t', { key: null, value: 'later' })).resolves.toBeUndefined();
  });
});
