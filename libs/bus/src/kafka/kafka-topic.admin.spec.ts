/**
 * Topic readiness against a fake admin: `ensure` resolves only once every partition's leader
 * serves it, for topics it created and for topics another process created a moment before.
 */
import type { TopicSpec } from '@cohort/contracts';
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { noopBusLogger } from '../bus.logger';
import { KafkaTopicAdmin } from './kafka-topic.admin';

const SPEC: TopicSpec = { name: 'cohort.test.ready', key: 'itemId', partitions: 2, retentionMs: null, cleanupPolicy: 'delete' };

/** A broker on which the topic is listed at once, led after `unled` metadata answers, served after `unserved` offset answers. */
function fakeAdmin(options: { listed: boolean; unled: number; unserved: number }) {
  const calls = { create: 0, metadata: 0, offsets: 0 };
  let listed = options.listed;
  const admin = {
    listTopics: async () => (listed ? [SPEC.name] : []),
    createTopics: async () => {
      calls.create++;
      listed = true;
      return true;
    },
    fetchTopicMetadata: async () => {
      const leader = calls.metadata++ < options.unled ? -1 : 1;
      return { topics: [{ name: SPEC.name, partitions: [0, 1].map((partitionId) => ({ partitionId, leader })) }] };
    },
    fetchTopicOffsets: async () => {
      if (calls.offsets++ < options.unserved) throw Object.assign(new Error('This server is not the leader for that topic-partition'), { type: 'NOT_LEADER_FOR_PARTITION' });
      return [0, 1].map((partition) => ({ partition, offset: '0', high: '0', low: '0' }));
    },
  } as unknown as Admin;
  return { admin, calls };
}

describe('KafkaTopicAdmin', () => {
  it('creates a missing topic and waits until its leaders answer offset requests', async () => {
    const fake = fakeAdmin({ listed: false, unled: 2, unserved: 2 });
    await new KafkaTopicAdmin(fake.admin, noopBusLogger, 1).ensure([SPEC]);
    expect(fake.calls).toEqual({ create: 1, metadata: 5, offsets: 3 });
  });

  it('waits for a topic that another process created but whose leader does not serve it yet', async () => {
    const fake = fakeAdmin({ listed: true, unled: 1, unserved: 1 });
    await new KafkaTopicAdmin(fake.admin, noopBusLogger, 1).ensure([SPEC]);
    expect(fake.calls).toEqual({ create: 0, metadata: 3, offsets: 2 });
  });

  it('asks the broker once per topic and name, however many callers ensure it', async () => {
    const fake = fakeAdmin({ listed: false, unled: 0, unserved: 0 });
    const topics = new KafkaTopicAdmin(fake.admin, noopBusLogger, 1);
    await Promise.all([topics.ensure([SPEC]), topics.ensure([SPEC])]);
    await topics.ensure([SPEC]);
    expect(fake.calls).toEqual({ create: 1, metadata: 1, offsets: 1 });
  });
});
