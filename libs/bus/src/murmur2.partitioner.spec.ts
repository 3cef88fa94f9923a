/**
 * The partitioner must agree with Kafka's, or per-key order breaks when Java (or librdkafka
 * murmur2_random) producers share a topic with ours. Reference values come from Kafka's own
 * `org.apache.kafka.common.utils.Utils.murmur2` in kafka-clients 4.4.0 (the jar tools/infra
 * fetches), run with Java 17 on the UTF-8 bytes of each key; the partitions are
 * `toPositive(hash) % 6` and `% 3`.
 */
import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from './murmur2.partitioner';

const KAFKA_JAVA_VECTORS: ReadonlyArray<[key: string, hash: number, mod6: number, mod3: number]> = [
  ['', 275646681, 3, 0],
  ['a', -1563381124, 4, 1],
  ['ab', 316155434, 2, 2],
  ['abc', 479470107, 3, 0],
  ['abcd', -1323649548, 2, 2],
  ['21', -973932308, 0, 0],
  ['round-1', 532955907, 3, 0],
  ['plan:42', 334297448, 2, 2],
  ['client_0001', -868290509, 3, 0],
  ['héllo-wörld', 1388409540, 0, 0],
  ['🚀-item-7', 1467182813, 5, 2],
  ['0123456789abcdef0123456789abcdef', 81657833, 5, 2],
];

describe('murmur2 partitioner', () => {
  it.each(KAFKA_JAVA_VECTORS)('matches Kafka Utils.murmur2 for %j', (key, hash, mod6, mod3) => {
    expect(murmur2(new TextEncoder().encode(key))).toBe(hash);
    expect(partitionForKey(key, 6)).toBe(mod6);
    expect(partitionForKey(key, 3)).toBe(mod3);
  });

  it('agrees with kafkajs DefaultPartitioner (Java-compatible) for any key and partition count', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.integer({ min: 1, max: 64 }), (key, partitions) => {
        const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
        expect(partitionForKey(key, partitions)).toBe(kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }));
      }),
      { numRuns: 500 },
    );
  });

  it('takes string keys and their UTF-8 bytes alike, and refuses a bad partition count', () => {
    expect(partitionForKey(new TextEncoder().encode('héllo-wörld'), 6)).toBe(partitionForKey('héllo-wörld', 6));
    expect(() => partitionForKey('k', 0)).toThrow(/partitions must be a positive integer/);
    expect(() => partitionForKey('k', 1.5)).toThrow(/partitions/);
  });
});
